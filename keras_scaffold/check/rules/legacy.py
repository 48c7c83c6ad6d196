"""KS4: Keras 2 leftovers (removed backend functions, tf.keras, old idioms)."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module, canonical
from keras_scaffold.check.keras2 import REMOVED_BACKEND_FUNCTIONS, TF_COMPAT_MISSING
from keras_scaffold.check.rules.common import (
    Hit,
    calls_parent,
    is_tf_keras,
    self_attr,
)

_KERAS2_MODULES = ("keras.engine", "keras.utils.generic_utils")


def keras2_module(module: Module) -> Iterator[Hit]:
    # The names `K.dot` may start with: an alias of `keras.backend`.
    backend = {n for n, t in module.aliases.items() if canonical(t) == "keras.backend"}
    shims = _backend_shims(module)
    for node in module.walk(module.tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            if isinstance(node, ast.ImportFrom) and node.module == "tensorflow":
                names += [f"tensorflow.{a.name}" for a in node.names]
            for name in names:
                what = _keras2_spelling(name)
                if what:
                    yield Hit(node, "KS404", what)
                    break
                if name.startswith(_KERAS2_MODULES):
                    yield Hit(
                        node,
                        "KS404",
                        f"`{name}` is a Keras 2 module that Keras 3 does not have",
                    )
                    break
            if isinstance(node, ast.ImportFrom) and node.module:
                yield from _removed_imports(node, shims)
        elif isinstance(node, ast.Attribute):
            if _tf_keras_users(module, node):
                yield Hit(
                    node, "KS404", _keras2_spelling(ast.unparse(node), "tf.keras")
                )
            value = node.value
            if not isinstance(node.ctx, ast.Load) or not (
                (isinstance(value, ast.Attribute) and value.attr == "backend")
                or (isinstance(value, ast.Name) and value.id in backend)
            ):
                continue  # (`keras.backend.name_scope = ...` installs a shim)
            name = module.qualname(node)
            if name and name.startswith("keras.backend.") and name.count(".") == 2:
                function = name.split(".")[2]
                raw = module.raw_qualname(node) or name
                if _missing(function, raw, shims):
                    yield _removed_hit(node, function)


def _keras2_spelling(name: str, shown: str = "") -> str | None:
    """What KS404 says of a spelling of Keras that is not `keras`, else None."""
    shown = shown or name
    top = name.split(".")[0]
    if name.startswith("tensorflow.python.keras"):
        return (
            f"`{shown}` is TensorFlow's internal copy of Keras 2, whose layers Keras "
            "3 models reject: import `keras` (Keras 3) instead"
        )
    if is_tf_keras(name) or name.startswith("tf.keras"):
        return (
            f"`{shown}` ties the code to TensorFlow: on TensorFlow 2.16 and later it "
            "is Keras 3's tf-compat surface, but Keras 2 (`tf_keras`) under "
            "`TF_USE_LEGACY_KERAS=1` or an older TensorFlow, whose layers Keras 3 "
            "models reject: import `keras` instead"
        )
    if top == "tf_keras":
        return (
            f"`{shown}` is Keras 2, whose layers Keras 3 models reject: import "
            "`keras` (Keras 3) instead"
        )
    return None


def _missing(function: str, raw: str, shims: set[str]) -> bool:
    """A removed backend function, as the module spells `keras.backend`: Keras 3's
    own lacks all of them, its tf-compat surface (`tensorflow.keras.backend`)
    only some, and Keras 2 (`tf_keras`, TensorFlow's copy) none."""
    if function not in REMOVED_BACKEND_FUNCTIONS or function in shims:
        return False
    if raw.startswith(("tf_keras", "tensorflow.python.keras")):
        return False
    if raw.startswith("tensorflow.keras"):
        return function in TF_COMPAT_MISSING
    return True


def _backend_shims(module: Module) -> set[str]:
    """The `keras.backend` names some file checked assigns (`keras.backend.
    name_scope = keras.name_scope`): a shim that puts them there for later code."""
    index = module.index
    modules = index.checked if index is not None else [module]
    memo = index.memo if index is not None else {}
    if "backend_shims" not in memo:
        found = set()
        for each in modules:
            for node in each.walk(each.tree):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        name = each.qualname(target) or ""
                        if name.startswith("keras.backend.") and name.count(".") == 2:
                            found.add(name.split(".")[2])
        memo["backend_shims"] = found
    return memo["backend_shims"]


def _tf_keras_users(module: Module, node: ast.Attribute) -> bool:
    """`tf.keras...`: an attribute `keras` on the tensorflow module."""
    return (
        node.attr == "keras"
        and isinstance(node.value, ast.Name)
        and module.aliases.get(node.value.id) == "tensorflow"
    )


def _removed_imports(node: ast.ImportFrom, shims: set[str]) -> Iterator[Hit]:
    if canonical(node.module) != "keras.backend":
        return
    for alias in node.names:
        if _missing(alias.name, node.module, shims):
            yield _removed_hit(node, alias.name)


def _removed_hit(node: ast.AST, function: str) -> Hit:
    return Hit(
        node,
        "KS401",
        f"`keras.backend.{function}` does not exist in Keras 3; use "
        f"{REMOVED_BACKEND_FUNCTIONS[function]}",
    )


def keras2_class(module: Module, cls: KerasClass) -> Iterator[Hit]:
    build = cls.methods.get("build")
    if build is not None and not calls_parent(module, cls, build, "build"):
        for node in module.walk(build):
            if (
                isinstance(node, ast.Assign)
                and any(self_attr(t) == "built" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and node.value.value is True
            ):
                yield Hit(
                    node,
                    "KS402",
                    "`self.built = True` set by hand in `build()`: a Keras 2 idiom; "
                    "Keras 3 marks the layer built when `build()` returns",
                    cls.node,
                )
    if "get_output_shape_for" in cls.methods:
        yield Hit(
            cls.methods["get_output_shape_for"],
            "KS403",
            "`get_output_shape_for` is Keras 1 API that Keras 3 never calls: "
            "name it `compute_output_shape`",
            cls.node,
        )
