"""Read a parsed module: what its imported names stand for, and its Keras classes.

Names are resolved from the module's own imports only (nothing is imported):
`from keras import layers` makes `layers.Dense` read as `keras.layers.Dense`.
`tensorflow.keras`, `tf_keras` and `tensorflow.python.keras` read as `keras`, so a
tf.keras layer is still found (and reported for its imports).
"""

import ast
from dataclasses import dataclass, field

# Spellings of Keras that are not `keras` itself.
_KERAS_ALIASES = ("tensorflow.python.keras", "tensorflow.keras", "tf_keras")

_LAYER_BASES = {
    "keras.Layer",
    "keras.layers.Layer",
    "keras.engine.base_layer.Layer",
    "keras.src.layers.Layer",
    "keras.src.layers.layer.Layer",
}
_MODEL_BASES = {
    "keras.Model",
    "keras.models.Model",
    "keras.engine.training.Model",
    "keras.src.models.Model",
    "keras.src.models.model.Model",
}
# Modules whose capitalised names are layer classes.
_LAYER_MODULES = ("keras.layers.", "keras_hub.layers.", "keras_nlp.layers.")
_NOT_LAYERS = {"Layer", "InputSpec", "Input", "InputLayer"}
_MODEL_CONSTRUCTORS = {
    "keras.Model",
    "keras.models.Model",
    "keras.Sequential",
    "keras.models.Sequential",
}


def canonical(path: str) -> str:
    """`tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""
    for alias in _KERAS_ALIASES:
        if path == alias or path.startswith(alias + "."):
            return "keras" + path[len(alias) :]
    return path


def import_aliases(nodes: list[ast.AST]) -> dict[str, str]:
    """Each name the imports among `nodes` bind, with the dotted path it stands for."""
    aliases: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def dotted(node: ast.AST) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


@dataclass
class KerasClass:
    """A class that derives from a Keras Layer or Model, directly or in this file."""

    node: ast.ClassDef
    kind: str  # "layer" (from Layer), "model" (from Model) or "builtin" (a Keras layer)
    parents: list["KerasClass"] = field(default_factory=list)
    subclassed: bool = False
    local: bool = False  # defined inside a function

    @property
    def functional(self) -> bool:
        """A Model subclass that calls `super().__init__(inputs, outputs)`."""
        init = self.methods.get("__init__")
        if self.kind != "model" or init is None:
            return False
        for node in ast.walk(init):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__"
                and (
                    node.args
                    or any(k.arg in {"inputs", "outputs"} for k in node.keywords)
                )
            ):
                return True
        return False

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def methods(self) -> dict[str, ast.FunctionDef]:
        return {
            item.name: item
            for item in self.node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def ancestry(self) -> list["KerasClass"]:
        """This class, then its Keras parents in this file, nearest first."""
        seen, order, queue = set(), [], [self]
        while queue:
            current = queue.pop(0)
            if id(current) not in seen:
                seen.add(id(current))
                order.append(current)
                queue.extend(current.parents)
        return order

    def find_method(self, name: str) -> tuple["KerasClass", ast.FunctionDef] | None:
        """The method as this class has it: its own, else the nearest parent's here."""
        for owner in self.ancestry():
            if name in owner.methods:
                return owner, owner.methods[name]
        return None


class Module:
    """One parsed file: its source lines, import aliases and Keras classes."""

    def __init__(self, path: str, source: str, tree: ast.Module) -> None:
        self.path, self.source, self.tree = path, source, tree
        self.lines = source.splitlines()
        self._index(tree)
        self.aliases = import_aliases(self.nodes)
        self.classes = self._keras_classes()
        self.class_names = {cls.name for cls in self.classes}

    def _index(self, tree: ast.Module) -> None:
        """One pass over the tree: every node in source order, the span of each
        node's subtree in that order, and the classes defined inside functions."""
        self.nodes: list[ast.AST] = []
        self._spans: dict[int, tuple[int, int]] = {}
        self._local: set[int] = set()
        stack: list[tuple[ast.AST, bool, bool]] = [(tree, False, False)]
        while stack:
            node, done, in_function = stack.pop()
            if done:
                start = self._spans[id(node)][0]
                self._spans[id(node)] = (start, len(self.nodes))
                continue
            self._spans[id(node)] = (len(self.nodes), -1)
            self.nodes.append(node)
            if in_function and isinstance(node, ast.ClassDef):
                self._local.add(id(node))
            inside = in_function or isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef
            )
            stack.append((node, True, in_function))
            children = list(ast.iter_child_nodes(node))
            stack.extend((child, False, inside) for child in reversed(children))

    def walk(self, node: ast.AST) -> list[ast.AST]:
        """`node` and every node under it, in source order (like `ast.walk`)."""
        start, end = self._spans[id(node)]
        return self.nodes[start:end]

    def qualname(self, node: ast.AST) -> str | None:
        """The dotted path a name or attribute chain stands for, via the imports."""
        parts = dotted(node)
        if parts is None or parts[0] not in self.aliases:
            return None
        return canonical(".".join([self.aliases[parts[0]], *parts[1:]]))

    def raw_qualname(self, node: ast.AST) -> str | None:
        """Like `qualname`, without reading tf.keras as keras."""
        parts = dotted(node)
        if parts is None or parts[0] not in self.aliases:
            return None
        return ".".join([self.aliases[parts[0]], *parts[1:]])

    def _base_kind(self, base: ast.expr) -> str | None:
        name = self.qualname(base)
        if name in _LAYER_BASES:
            return "layer"
        if name in _MODEL_BASES:
            return "model"
        if name and name.startswith(_LAYER_MODULES) and self._is_class_name(name):
            return "builtin"
        if name in _MODEL_CONSTRUCTORS:
            return "builtin"
        return None

    @staticmethod
    def _is_class_name(path: str) -> bool:
        last = path.rsplit(".", 1)[-1]
        return last[:1].isupper() and last not in _NOT_LAYERS

    def _keras_classes(self) -> list[KerasClass]:
        defs = [node for node in self.nodes if isinstance(node, ast.ClassDef)]
        local = self._local
        found: dict[str, KerasClass] = {}
        changed = True
        while changed:  # parents may come after their children in the file
            changed = False
            for node in defs:
                if node.name in found:
                    continue
                kinds = [self._base_kind(base) for base in node.bases]
                parents = [
                    found[base.id]
                    for base in node.bases
                    if isinstance(base, ast.Name) and base.id in found
                ]
                kind = next((k for k in kinds if k), None)
                if kind is None and parents:
                    kind = parents[0].kind
                if kind is not None:
                    found[node.name] = KerasClass(
                        node, kind, parents, local=id(node) in local
                    )
                    for parent in parents:
                        parent.subclassed = True
                    changed = True
        return sorted(found.values(), key=lambda cls: cls.node.lineno)

    def layer_constructor(self, call: ast.Call) -> str | None:
        """The class name if `call` constructs a Keras layer or model, else None."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.class_names:
            return func.id
        name = self.qualname(func)
        if name is None:
            return None
        if name in _MODEL_CONSTRUCTORS:
            return name.rsplit(".", 1)[-1]
        if name.startswith(_LAYER_MODULES) and self._is_class_name(name):
            return name.rsplit(".", 1)[-1]
        return None

    @staticmethod
    def is_model_constructor(name: str) -> bool:
        return name in {"Model", "Sequential"}
