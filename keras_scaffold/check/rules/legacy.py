"""KS4: Keras 2 leftovers (removed backend functions, tf.keras, old idioms)."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module, canonical
from keras_scaffold.check.keras2 import REMOVED_BACKEND_FUNCTIONS
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
                if is_tf_keras(name) or name.split(".")[0] == "tf_keras":
                    yield Hit(
                        node,
                        "KS404",
                        f"`{name}` is Keras 2 (tf.keras): import `keras` "
                        "(Keras 3) instead",
                    )
                    break
                if name.startswith(_KERAS2_MODULES):
                    yield Hit(
                        node,
                        "KS404",
                        f"`{name}` is a Keras 2 module that Keras 3 does not have",
                    )
                    break
            if isinstance(node, ast.ImportFrom) and node.module:
                yield from _removed_imports(node)
        elif isinstance(node, ast.Attribute):
            if _tf_keras_users(module, node):
                yield Hit(
                    node,
                    "KS404",
                    f"`{ast.unparse(node)}` is Keras 2 (tf.keras): use `keras` "
                    "(Keras 3) instead",
                )
            value = node.value
            if not (
                (isinstance(value, ast.Attribute) and value.attr == "backend")
                or (isinstance(value, ast.Name) and value.id in backend)
            ):
                continue
            name = module.qualname(node)
            if name and name.startswith("keras.backend."):
                function = name.split(".")[2]
                if function in REMOVED_BACKEND_FUNCTIONS and name.count(".") == 2:
                    yield _removed_hit(node, function)


def _tf_keras_users(module: Module, node: ast.Attribute) -> bool:
    """`tf.keras...`: an attribute `keras` on the tensorflow module."""
    return (
        node.attr == "keras"
        and isinstance(node.value, ast.Name)
        and module.aliases.get(node.value.id) == "tensorflow"
    )


def _removed_imports(node: ast.ImportFrom) -> Iterator[Hit]:
    if canonical(node.module) != "keras.backend":
        return
    for alias in node.names:
        if alias.name in REMOVED_BACKEND_FUNCTIONS:
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
