"""KS1: saving and loading (registration, `get_config`, `from_config`)."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module, dotted
from keras_scaffold.check.rules.common import (
    Hit,
    assigned_to,
    calls_in,
    calls_parent,
    created_at_init,
    is_super_call,
    keyword_arg,
    named_params,
    self_attr,
)

_DESERIALIZERS = {"deserialize", "deserialize_keras_object", "from_config"}

_SERIALIZERS = ("layers.serialize", "serialize_keras_object")


def registration(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.name.startswith("_") or cls.subclassed or cls.local:
        return  # a private, base or local class is not saved under its own name
    for decorator in cls.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = module.qualname(target) or ".".join(dotted(target) or [])
        if not name.endswith("register_keras_serializable"):
            if any(word in name.lower() for word in ("export", "register")):
                return  # a library's own decorator, which may register the class
            continue
        if isinstance(decorator, ast.Call) and (
            decorator.args or keyword_arg(decorator, "package")
        ):
            return
        yield Hit(
            decorator,
            "KS102",
            f"`{cls.name}` is registered without a `package`: it is saved as "
            f"`Custom>{cls.name}` and collides with any other `{cls.name}`",
            cls.node,
        )
        return
    yield Hit(
        cls.node,
        "KS101",
        f"`{cls.name}` is not registered with "
        "`@keras.saving.register_keras_serializable(package=...)`: "
        "`keras.models.load_model` cannot find it",
        cls.node,
    )


def _init_args(module: Module, cls: KerasClass) -> tuple[list[ast.arg], set[str]]:
    """`__init__`'s named arguments and those of them passed on to the parent."""
    found = cls.find_method("__init__")
    if found is None:
        return [], set()
    init = found[1]
    forwarded: set[str] = set()
    for call in calls_in(module, init):
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            continue
        values = [*call.args, *(item.value for item in call.keywords)]
        forwarded |= {value.id for value in values if isinstance(value, ast.Name)}
    return named_params(init), forwarded


class _ConfigKeys(ast.NodeVisitor):
    """The keys a `get_config` writes, or `complete=False` where it cannot tell."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.complete = True
        self.dicts: set[str] = set()  # local names bound to dicts read here

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name) and self._is_dict(node.value):
                self.dicts.add(target.id)
            if isinstance(target, ast.Subscript):
                self._key(target.slice)
        self.generic_visit(node)

    def _is_dict(self, value: ast.AST) -> bool:
        return (
            isinstance(value, ast.Dict)
            or is_super_call(value, "get_config")
            or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "dict"
            )
        )

    def _key(self, key: ast.AST | None) -> None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.keys.add(key.value)
        else:
            self.complete = False

    def _known(self, value: ast.AST) -> bool:
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
            return self._known(value.left) and self._known(value.right)
        return self._is_dict(value) or (
            isinstance(value, ast.Name) and value.id in self.dicts
        )

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is None or not self._known(node.value):
            self.complete = False  # it returns a dict built elsewhere
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                if not self._known(value):
                    self.complete = False
            else:
                self._key(key)
        self.generic_visit(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self.complete = False

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"update", "setdefault"}:
            if func.attr == "setdefault" and node.args:
                self._key(node.args[0])
            if func.attr == "update":
                for arg in node.args:
                    if not self._known(arg):
                        self.complete = False
            for item in node.keywords:
                if item.arg is None:
                    self.complete = False
                else:
                    self.keys.add(item.arg)
        elif isinstance(func, ast.Name) and func.id == "dict":
            for item in node.keywords:
                if item.arg is not None:
                    self.keys.add(item.arg)
        elif isinstance(func, ast.Name) and func.id in {"vars", "locals"}:
            self.complete = False
        self.generic_visit(node)


def config(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.functional:
        return  # a functional model's config is its graph
    params, forwarded = _init_args(module, cls)
    own = [item for item in params if item.arg not in forwarded]
    found = cls.find_method("get_config")
    if found is None:
        objects = (
            _object_arguments(module, cls, own) if "__init__" in cls.methods else []
        )
        if objects:
            names = ", ".join(f"`{name}`" for name in objects)
            yield Hit(
                cls.methods["__init__"],
                "KS103",
                f"`{cls.name}` has no `get_config`, and `__init__` takes objects "
                f"({names}): Keras's automatic config holds only plain str, int, "
                "float, bool and None values, so saving such a layer raises",
                cls.node,
            )
        return
    owner, get_config = found
    if owner is cls and not calls_parent(module, cls, get_config, "get_config"):
        yield Hit(
            get_config,
            "KS105",
            f"`{cls.name}.get_config` does not merge `super().get_config()`: "
            "the config loses `name`, `trainable` and `dtype`",
            cls.node,
        )
    reader = _ConfigKeys()
    reader.visit(get_config)
    from_config = cls.find_method("from_config")
    if from_config is not None:  # it may add keys of its own
        reader.keys |= {
            node.value
            for node in module.walk(from_config[1])
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    if reader.complete:
        for item in own:
            if item.arg not in reader.keys:
                yield Hit(
                    item,
                    "KS104",
                    f"`{item.arg}` is an argument of `{cls.name}.__init__` but "
                    "not a key of `get_config()`: a loaded layer gets its default",
                    cls.node,
                )
    if owner is cls:
        yield from _nested_config(module, cls, get_config, params)


# Names a plain argument's annotation may use.
_PLAIN = {
    "int", "float", "str", "bool", "None", "Optional", "Union", "Literal", "tuple",
    "list", "dict", "Tuple", "List", "Dict", "Sequence", "typing", "Any",
}  # fmt: skip


def _object_arguments(
    module: Module, cls: KerasClass, arguments: list[ast.arg]
) -> list[str]:
    """The arguments the source shows take objects, not plain values: annotated
    with a class, defaulting to an object, or read with `keras.*.get`."""
    init = cls.methods["__init__"]
    found = []
    defaults = dict(_defaults(init))
    for argument in arguments:
        names = {
            node.id if isinstance(node, ast.Name) else node.attr
            for node in ast.walk(argument.annotation or ast.Constant(None))
            if isinstance(node, ast.Name | ast.Attribute)
        }
        default = defaults.get(argument.arg)
        if names - _PLAIN or (default is not None and not _is_literal(default)):
            found.append(argument.arg)
    for call in calls_in(module, init):
        name = module.qualname(call.func) or ""
        if name.startswith("keras.") and name.endswith((".get", ".deserialize")):
            for arg in call.args:
                if isinstance(arg, ast.Name) and arg.id in {a.arg for a in arguments}:
                    found.append(arg.id)
    return sorted(set(found), key=[a.arg for a in arguments].index)


def _defaults(function: ast.FunctionDef) -> list[tuple[str, ast.expr]]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    pairs = zip(
        positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
    )
    keyword_only = zip(args.kwonlyargs, args.kw_defaults, strict=True)
    return [(a.arg, d) for a, d in [*pairs, *keyword_only] if d is not None]


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _rebuilds(module: Module, cls: KerasClass) -> bool:
    """A `from_config` (or `__init__`) that deserializes what `get_config` nested."""
    for name in ("from_config", "__init__"):
        found = cls.find_method(name)
        if found is None:
            continue
        for call in calls_in(module, found[1]):
            func = call.func
            last = func.attr if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                last = func.id
            if last in _DESERIALIZERS and not is_super_call(call, "from_config"):
                return True
    return False


def _nested_config(
    module: Module, cls: KerasClass, get_config: ast.FunctionDef, params: list
) -> Iterator[Hit]:
    layer_attrs = {
        attr
        for call, _ in created_at_init(module, cls)
        for attr in assigned_to(module, cls, call)
    }
    layer_params = {
        item.arg
        for item in params
        if item.annotation is not None
        and any(word in ast.unparse(item.annotation) for word in ("Layer", "Model"))
    }
    layer_attrs |= _attrs_from_params(module, cls, layer_params)
    nested: tuple[ast.AST, str] | None = None
    for node in module.walk(get_config):
        if isinstance(node, ast.Call):
            name = module.qualname(node.func) or ""
            if name.endswith(_SERIALIZERS) or (
                isinstance(node.func, ast.Name)
                and node.func.id == "serialize_keras_object"
            ):
                nested = (node, f"`{ast.unparse(node.func)}(...)`")
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_config"
                and not is_super_call(node, "get_config")
                and not any(
                    isinstance(arg, ast.Name) and arg.id == "self" for arg in node.args
                )
            ):
                nested = (node, f"`{ast.unparse(node)}` (an object's own config)")
        else:
            for value in _stored_values(node):
                if self_attr(value) in layer_attrs:
                    nested = (value, f"the layer `{ast.unparse(value)}`")
        if nested:
            break
    if nested and not _rebuilds(module, cls):
        node, what = nested
        yield Hit(
            node,
            "KS106",
            f"`{cls.name}.get_config` stores {what}, but no `from_config` rebuilds "
            "it: loading passes the nested config straight to `__init__`",
            cls.node,
        )


def _stored_values(node: ast.AST) -> list[ast.AST]:
    """The values a config stores: dict items, `config[key] = value`, keywords."""
    if isinstance(node, ast.Dict):
        return [value for key, value in zip(node.keys, node.values, strict=True) if key]
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        return [node.value]
    if isinstance(node, ast.keyword):
        return [node.value]
    return []


def _attrs_from_params(module: Module, cls: KerasClass, names: set[str]) -> set[str]:
    found = cls.find_method("__init__")
    if found is None or not names:
        return set()
    attrs = set()
    for node in module.walk(found[1]):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id in names
        ):
            attrs |= {self_attr(t) for t in node.targets if self_attr(t)}
    return attrs
