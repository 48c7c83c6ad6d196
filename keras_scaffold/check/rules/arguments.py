"""KS5: arguments (mutable defaults)."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module, dotted
from keras_scaffold.check.rules.common import Hit

_MUTABLE_CALLS = {"list", "dict", "set", "bytearray", "defaultdict", "OrderedDict"}


def arguments(module: Module, cls: KerasClass) -> Iterator[Hit]:
    for method in cls.methods.values():
        args = method.args
        named = [*args.posonlyargs, *args.args]
        pairs = list(
            zip(named[len(named) - len(args.defaults) :], args.defaults, strict=True)
        )
        pairs += [
            (arg, default)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
            if default is not None
        ]
        for arg, default in pairs:
            if _is_mutable(default):
                yield Hit(
                    default,
                    "KS501",
                    f"`{arg.arg}` of `{cls.name}.{method.name}` has a mutable "
                    f"default `{ast.unparse(default)}`, shared by every call",
                    cls.node,
                )


def _is_mutable(node: ast.AST) -> bool:
    if isinstance(
        node, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp
    ):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (dotted(node.func) or [""])[-1] in _MUTABLE_CALLS
    )
