"""KS3: backend-specific code in Keras classes."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.common import Hit, is_tf_keras

_BACKENDS = ("tensorflow", "torch", "jax", "jaxlib")


def backends(module: Module, cls: KerasClass) -> Iterator[Hit]:
    nodes = [node for item in cls.node.body for node in module.walk(item)]
    # `tf` in `tf.keras...` is reported as tf.keras (KS404), not as TensorFlow.
    tf_keras = {
        id(node.value)
        for node in nodes
        if isinstance(node, ast.Attribute) and node.attr == "keras"
    }
    seen_lines = set()
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            used = next((n for n in names if n.split(".")[0] in _BACKENDS), None)
            if used and not is_tf_keras(used):
                yield Hit(node, "KS301", _backend_message(cls, used), cls.node)
            continue
        if (
            not isinstance(node, ast.Name)
            or node.lineno in seen_lines
            or id(node) in tf_keras
        ):
            continue
        target = module.aliases.get(node.id, "")
        if target.split(".")[0] not in _BACKENDS or is_tf_keras(target):
            continue
        seen_lines.add(node.lineno)
        yield Hit(node, "KS301", _backend_message(cls, target), cls.node)


def _backend_message(cls: KerasClass, module_name: str) -> str:
    top = module_name.split(".")[0]
    return (
        f"`{cls.name}` uses `{module_name}`: {top}-only code runs on one Keras "
        "backend; `keras.ops` and `keras.random` run on all three"
    )
