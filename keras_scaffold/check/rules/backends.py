"""KS3: backend-specific code in Keras classes.

Code that one backend's library runs is fine where the layer chooses it for that
backend: under `if keras.config.backend() == "tensorflow":` (either branch), after
`if keras.config.backend() != "tensorflow": return ...`, behind a test of the module
itself (`if tf is not None`, `tf and isinstance(x, tf.Tensor)`) or of the input's
type (`isinstance(x, tf.RaggedTensor)`). What is left is reported once per method.
Preprocessing layers (keras-hub's `PreprocessingLayer`, Keras's `TFDataLayer`) run
in `tf.data` on every backend, so TensorFlow is theirs to use.
"""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.common import (
    Hit,
    inherited,
    is_tf_keras,
    runs_in_tf_data,
)

_BACKENDS = ("tensorflow", "torch", "jax", "jaxlib")
# Calls in a test that ask which backend runs: `keras.config.backend()`,
# keras-hub's `in_tf_function()`, `tf.executing_eagerly()`.
_BACKEND_QUESTIONS = ("backend", "tf_function", "tf_graph", "executing_eagerly")


def backends(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if not any(_backend_name(module, name) for name in module.aliases):
        return  # nothing here names a backend's module
    uses: dict[str, list[tuple[ast.AST, str]]] = {}  # by method, in order
    for item in cls.node.body:
        block = item.name if isinstance(item, _FUNCTIONS) else "<class body>"
        for node, name in _unguarded(module, [item]):
            uses.setdefault(block, []).append((node, name))
    if not uses:
        return
    tf_data = inherited(cls, "tf_data", runs_in_tf_data)
    for block, found in uses.items():
        found = [(n, name) for n, name in found if not (tf_data and _is_tf(name))]
        if not found:
            continue
        node, name = found[0]
        top = name.split(".")[0]
        where = f"`{cls.name}.{block}`" if block != "<class body>" else f"`{cls.name}`"
        more = f" ({len(found)} places, the first here)" if len(found) > 1 else ""
        yield Hit(
            node,
            "KS301",
            f"{where} uses `{name}` outside a backend check{more}: {top}-only code "
            "fails on the other Keras backends; use `keras.ops` and `keras.random`, "
            f'or put it under `if keras.config.backend() == "{top}":`',
            cls.node,
        )


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_tf(name: str) -> bool:
    return name.split(".")[0] == "tensorflow"


def _backend_name(module: Module, name: str) -> str | None:
    target = module.aliases.get(name, "")
    if target.split(".")[0] in _BACKENDS and not is_tf_keras(target):
        return target
    return None


def _unguarded(module: Module, body: list[ast.stmt]) -> Iterator[tuple[ast.AST, str]]:
    """The uses of a backend's module in `body` that no backend check guards."""
    for statement in body:
        if isinstance(statement, ast.If) and _is_guard(module, statement.test):
            if _exits(statement.body) and not statement.orelse:
                return  # `if not tf: return`: what follows is guarded too
            continue
        yield from _uses(module, statement)


def _uses(module: Module, statement: ast.stmt) -> Iterator[tuple[ast.AST, str]]:
    """Backend uses in one statement, descending into nested blocks (whose
    guards count) and leaving out guarded expressions."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        names = (
            [statement.module or ""]
            if isinstance(statement, ast.ImportFrom)
            else [a.name for a in statement.names]
        )
        used = next((n for n in names if n.split(".")[0] in _BACKENDS), None)
        if used and not is_tf_keras(used):
            yield statement, used
        return
    blocks = [
        value
        for field in ("body", "orelse", "finalbody", "handlers")
        if isinstance(value := getattr(statement, field, None), list)
    ]
    if isinstance(statement, ast.Try | ast.TryStar) and any(
        _catches_import_error(handler) for handler in statement.handlers
    ):
        return  # `try: import torch except ImportError:`: a guard of its own
    for block in blocks:
        yield from _unguarded(module, [s for s in block if isinstance(s, ast.stmt)])
        for handler in block:
            if isinstance(handler, ast.ExceptHandler):
                yield from _unguarded(module, handler.body)
    for field, value in ast.iter_fields(statement):
        if field in ("body", "orelse", "finalbody", "handlers"):
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, ast.AST):
                yield from _expression_uses(module, item)


def _expression_uses(module: Module, node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.IfExp) and _is_guard(module, current.test):
            continue
        if isinstance(current, ast.BoolOp) and isinstance(current.op, ast.And):
            # `tf and tf.is_tensor(x)`: what follows a guard is guarded.
            for index, value in enumerate(current.values):
                if _is_guard(module, value):
                    stack.extend(current.values[:index])
                    break
            else:
                stack.extend(current.values)
            continue
        if isinstance(current, ast.Attribute) and current.attr == "keras":
            continue  # `tf.keras` is reported as Keras 2 (KS404)
        if isinstance(current, ast.Name):
            name = _backend_name(module, current.id)
            if name is not None:
                yield current, name
            continue
        if isinstance(current, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
            body = current.body if isinstance(current.body, list) else None
            if body is not None:
                yield from _unguarded(module, body)
                continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


def _is_guard(module: Module, test: ast.AST) -> bool:
    """A test that asks which backend runs, whether its module is there, or
    whether a value is one backend's type."""
    for node in ast.walk(test):
        if isinstance(node, ast.Call):
            func = node.func
            last = func.attr if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                last = func.id
            if last and any(word in last for word in _BACKEND_QUESTIONS):
                return True
            if (
                last == "isinstance"
                and len(node.args) == 2
                and _names_backend(module, node.args[1])
            ):
                return True
    return _is_module_test(module, test)


def _is_module_test(module: Module, test: ast.AST) -> bool:
    """`tf`, `not tf`, `tf is None`, `tf is not None`."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        test = test.left
    return isinstance(test, ast.Name) and _backend_name(module, test.id) is not None


def _names_backend(module: Module, node: ast.AST) -> bool:
    return any(
        isinstance(item, ast.Name) and _backend_name(module, item.id) is not None
        for item in ast.walk(node)
    )


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return | ast.Raise)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = [
        node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
        for node in ast.walk(handler.type or ast.Name("Exception"))
    ]
    return any(
        name in ("ImportError", "ModuleNotFoundError", "Exception") for name in names
    )
