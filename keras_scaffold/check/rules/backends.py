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

from keras_scaffold.check.finder import KerasClass, Module, import_aliases
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
        if block in _EAGER_METHODS:
            continue
        for node, name in _unguarded(module, [item]):
            uses.setdefault(block, []).append((node, name))
    if not uses:
        return
    tf_data = inherited(cls, "tf_data", runs_in_tf_data)
    chosen = _backend_of_module(module)
    for block, found in uses.items():
        found = [
            (n, name)
            for n, name in found
            if not (tf_data and _is_tf(name)) and name.split(".")[0] not in chosen
        ]
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

# TensorFlow functions that touch no traced tensor (files, nested structures,
# the execution mode, logging, the distribution strategy, tf.data pipelines,
# which Keras 3 feeds to every backend): they run wherever TensorFlow is
# installed, whichever backend Keras uses (keras-cv's `tf.io.gfile.exists(weights)`
# in `__init__`, `dataset.map(..., num_parallel_calls=tf.data.AUTOTUNE)` in `fit`).
_HOST_SIDE = (
    "tensorflow.io.gfile", "tensorflow.nest", "tensorflow.executing_eagerly",
    "tensorflow.get_logger", "tensorflow.__version__", "tensorflow.version",
    "tensorflow.compat.v1.logging", "tensorflow.device", "tensorflow.data",
    "tensorflow.distribute.has_strategy", "tensorflow.distribute.get_strategy",
)  # fmt: skip
# Methods that run once, eagerly, outside any traced call: while the layer is
# made or configured. TensorFlow code there runs on any backend where TensorFlow
# is installed (keras-cv's legacy `ConvNeXt.__init__`: `tf.linspace(...)` to
# floats).
_EAGER_METHODS = {"__init__", "get_config", "from_config", "__repr__"}

# A package folder named after a backend holds that backend's implementation
# (Keras's own `keras/src/backend/jax/`, keras-rs's `layers/embedding/jax/`); the
# libraries each backend's code may use.
_BACKEND_LIBRARIES = {
    "jax": {"jax", "jaxlib"},
    "tensorflow": {"tensorflow"},
    "tf": {"tensorflow"},
    "torch": {"torch"},
}


def _backend_of_module(module: Module) -> set[str]:
    """The libraries a module may use freely because it is one backend's
    implementation: a module that a file checked imports only under a test of
    `keras.backend.backend() == "jax"` (chosen at import, as keras-rs chooses its
    `DistributedEmbedding`), or one in a package folder named after a backend."""
    libraries: set[str] = set()
    for part in module.name.split(".")[:-1] if module.name else ():
        libraries |= _BACKEND_LIBRARIES.get(part, set())
    index = module.index
    if index is not None and module.name:
        if "backend_modules" not in index.memo:
            chosen: dict[str, set[str]] = {}
            for each in index.checked:
                _imports_by_backend(each, each.tree.body, chosen)
            index.memo["backend_modules"] = chosen
        libraries |= index.memo["backend_modules"].get(module.name, set())
    return libraries


def _imports_by_backend(
    module: Module, body: list[ast.stmt], chosen: dict[str, set[str]]
) -> None:
    """The modules imported at module level under `if ...backend() == "jax"`
    (an `elif` too), each with the libraries of the backend named."""
    for statement in body:
        if isinstance(statement, ast.If):
            names = _backends_asked(statement.test)
            for inner in statement.body if names else ():
                if isinstance(inner, ast.ImportFrom | ast.Import):
                    for path in _imported_modules(module, inner):
                        for name in names:
                            chosen.setdefault(path, set()).update(
                                _BACKEND_LIBRARIES[name]
                            )
            _imports_by_backend(module, statement.orelse, chosen)
        elif isinstance(statement, ast.Try):
            _imports_by_backend(module, statement.body, chosen)


def _backends_asked(test: ast.AST) -> list[str]:
    """The backends a test compares `backend()` with: `backend() == "jax"`."""
    found = []
    for node in ast.walk(test):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)):
            continue
        func = node.left.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last != "backend":
            continue
        for op, right in zip(node.ops, node.comparators, strict=True):
            if (
                isinstance(op, ast.Eq)
                and isinstance(right, ast.Constant)
                and right.value in _BACKEND_LIBRARIES
            ):
                found.append(right.value)
    return found


def _imported_modules(module: Module, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import may load: `from a.b import c` is `a.b` or `a.b.c`."""
    paths = import_aliases([node], module.package).values()
    found = list(paths)
    if isinstance(node, ast.ImportFrom):
        found += [path.rpartition(".")[0] for path in paths]
    return found


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
        if isinstance(current, ast.Attribute) and (
            module.qualname(current) or ""
        ).startswith(_HOST_SIDE):
            continue  # no tensor: runs wherever the library is installed
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
