"""Read a parsed module: what its imported names stand for, and its Keras classes.

Names are resolved from the module's own imports only (nothing is imported):
`from keras import layers` makes `layers.Dense` read as `keras.layers.Dense`, and
`from .base import Block` in package `pkg` reads as `pkg.base.Block`.
`tensorflow.keras`, `tf_keras` and `tensorflow.python.keras` read as `keras`, so a
tf.keras layer is still found (and reported for its imports). Which classes derive
from Keras, across files, is decided by `keras_scaffold.check.index`.
"""

import ast
from dataclasses import dataclass, field

# Spellings of Keras that are not `keras` itself.
_KERAS_ALIASES = ("tensorflow.python.keras", "tensorflow.keras", "tf_keras")

LAYER_BASES = {
    "keras.Layer",
    "keras.layers.Layer",
    "keras.engine.base_layer.Layer",
    "keras.src.layers.Layer",
    "keras.src.layers.layer.Layer",
}
MODEL_BASES = {
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


# The nodes whose subtrees `Module.walk` returns without walking them again.
_SCOPE_TYPES = {ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef}
# Fields that hold no node the rules walk to: names and numbers, and the
# contexts and operators (read as attributes of their node, never walked).
_LEAF_FIELDS = {
    "ctx", "op", "ops", "id", "attr", "name", "arg", "module", "level", "asname",
    "type_comment", "kind", "is_async", "conversion", "simple", "names", "rest",
    "kwd_attrs", "tag",
}  # fmt: skip
_CHILD_FIELDS: dict[type, tuple[str, ...] | bool] = {ast.Constant: ()}


def _child_fields(kind: type) -> tuple[str, ...] | bool:
    """The fields of a node class that hold nodes; False for what is no node."""
    if not issubclass(kind, ast.AST):
        return False
    return tuple(name for name in kind._fields if name not in _LEAF_FIELDS)


def canonical(path: str) -> str:
    """`tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""
    for alias in _KERAS_ALIASES:
        if path == alias or path.startswith(alias + "."):
            return "keras" + path[len(alias) :]
    return path


def import_aliases(nodes: list[ast.AST], package: str = "") -> dict[str, str]:
    """Each name the imports among `nodes` bind, with the dotted path it stands for
    (relative imports read from `package`, the package the module is in)."""
    aliases: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            source = _import_source(node, package)
            if source is None:
                continue
            for alias in node.names:
                if alias.name != "*":
                    name = f"{source}.{alias.name}" if source else alias.name
                    aliases[alias.asname or alias.name] = name
    return aliases


def import_alternatives(module: "Module") -> dict[str, list[str]]:
    """Names the module's imports bind more than once (in the branches of an
    `if`, say), with every dotted path each may stand for."""
    found: dict[str, list[str]] = {}
    for node in module.imports:
        for name, path in import_aliases([node], module.package).items():
            found.setdefault(name, []).append(path)
    return {name: paths for name, paths in found.items() if len(set(paths)) > 1}


def _import_source(node: ast.ImportFrom, package: str) -> str | None:
    """The absolute module an `import from` reads; None if it leaves the tree."""
    if not node.level:
        return node.module
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts) or (node.level - 1 == len(parts) and not parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if not base and not node.module:
        return None
    return ".".join([*base, *([node.module] if node.module else [])])


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


def keras_kind(name: str | None) -> str | None:
    """ "layer", "model" or "builtin" (a Keras layer or model class) for a dotted
    path that names a Keras base, else None."""
    if name is None:
        return None
    if name in LAYER_BASES:
        return "layer"
    if name in MODEL_BASES:
        return "model"
    if name in _MODEL_CONSTRUCTORS:
        return "builtin"
    if name.startswith(_LAYER_MODULES) and is_class_name(name):
        return "builtin"
    return None


def is_test_file(path: str) -> bool:
    """A pytest file: its classes are fixtures, saved only where a test says so."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith(("_test.py", "conftest.py"))


def is_class_name(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return last[:1].isupper() and last not in _NOT_LAYERS


@dataclass(eq=False)
class KerasClass:
    """A class that derives from a Keras Layer or Model, directly or through
    classes of the files read."""

    node: ast.ClassDef
    kind: str  # "layer" (from Layer), "model" (from Model) or "builtin" (a Keras layer)
    module: "Module"
    parents: list["KerasClass"] = field(default_factory=list)
    children: list["KerasClass"] = field(default_factory=list)
    local: bool = False  # defined inside a function
    # Each method name with the class that defines it, nearest first (as
    # Python's MRO finds it for single inheritance); made from the parents',
    # which are made first, so a deep hierarchy costs no recursion.
    _resolved: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.methods: dict[str, ast.FunctionDef] = {
            item.name: item
            for item in self.node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for parent in reversed(self.parents):
            self._resolved.update(parent._resolved)
            parent.children.append(self)
        self._resolved.update(dict.fromkeys(self.methods, self))
        self.memo: dict[str, object] = {}  # what rules compute once per class

    @property
    def subclassed(self) -> bool:
        return bool(self.children)

    @property
    def functional(self) -> bool:
        """A Model subclass that calls `super().__init__(inputs, outputs)`."""
        init = self.methods.get("__init__")
        if self.kind != "model" or init is None:
            return False
        for node in self.module.walk(init):
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

    def ancestry(self) -> list["KerasClass"]:
        """This class, then its Keras parents in the files read, nearest first."""
        seen, order, index = {id(self)}, [self], 0
        while index < len(order):
            for parent in order[index].parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    order.append(parent)
            index += 1
        return order

    def find_method(self, name: str) -> tuple["KerasClass", ast.FunctionDef] | None:
        """The method as this class has it: its own, else the nearest parent's."""
        owner = self._resolved.get(name)
        return None if owner is None else (owner, owner.methods[name])

    def parent_method(self, name: str) -> tuple["KerasClass", ast.FunctionDef] | None:
        """The method `super().name` reaches from this class's own."""
        for parent in self.parents:
            found = parent.find_method(name)
            if found is not None:
                return found
        return None


class Module:
    """One parsed file: its source lines, import aliases and class definitions.
    Its Keras classes (`classes`) are set by the index that links the files."""

    def __init__(
        self, path: str, source: str, tree: ast.Module, name: str = ""
    ) -> None:
        self.path, self.source, self.tree = path, source, tree
        self.name = name  # the dotted module name, "" where unknown
        self.lines = source.splitlines()
        self._index(tree)
        is_package = path.endswith("__init__.py")
        package = name if is_package else name.rpartition(".")[0]
        self.package = package
        self.imports = [
            node for node in self.nodes if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        self.aliases = import_aliases(self.imports, package)
        self.classes: list[KerasClass] = []
        self.by_name: dict[str, KerasClass] = {}
        self.index = None  # the Index that linked it, if any
        self.root = None  # the folder its package is imported from, if known

    @property
    def class_names(self) -> set[str]:
        return set(self.by_name)

    def _index(self, tree: ast.Module) -> None:
        """One pass over the tree: every node in source order, and the span of
        each scope's subtree (the module, classes, functions) in that order."""
        nodes: list[ast.AST] = []
        spans: dict[int, tuple[int, int]] = {}
        scopes: list[tuple[int, ast.AST]] = []  # (position, node), in source order
        stack: list = [tree]
        append, pop, push = nodes.append, stack.pop, stack.append
        while stack:
            node = pop()
            kind = node.__class__
            if kind is tuple:  # a scope's end
                spans[id(node[1])] = (node[0], len(nodes))
                continue
            fields = _CHILD_FIELDS.get(kind)
            if fields is None:
                fields = _CHILD_FIELDS[kind] = _child_fields(kind)
            if fields is False:
                continue  # not a node: a name in a pattern
            if kind in _SCOPE_TYPES:
                scopes.append((len(nodes), node))
                push((len(nodes), node))
            append(node)
            children = []
            for name in fields:
                value = getattr(node, name, None)
                if value is None:
                    continue
                if value.__class__ is list:
                    children.extend(item for item in value if item is not None)
                else:
                    children.append(value)
            children.reverse()
            stack.extend(children)
        self.nodes, self._spans = nodes, spans
        self._calls: dict[int, tuple[ast.Call, ...]] = {}
        self._classes(scopes)

    def _classes(self, scopes: list[tuple[int, ast.AST]]) -> None:
        """The class definitions: all, those inside functions (local) and those
        the module binds as names (`defs`)."""
        self.local: set[int] = set()
        self.defs: dict[str, ast.ClassDef] = {}  # module-level classes by name
        self.class_defs: list[ast.ClassDef] = []
        self.defs_by_name: dict[str, list[ast.ClassDef]] = {}  # every class
        open_scopes: list[tuple[int, ast.AST]] = []  # the scopes around a position
        for position, node in scopes:
            while open_scopes and open_scopes[-1][0] <= position:
                open_scopes.pop()
            if isinstance(node, ast.ClassDef):
                self.class_defs.append(node)
                self.defs_by_name.setdefault(node.name, []).append(node)
                around = [scope for _, scope in open_scopes]
                if any(not isinstance(scope, ast.ClassDef) for scope in around):
                    self.local.add(id(node))
                elif not around:
                    self.defs.setdefault(node.name, node)
            if node is not self.tree:
                open_scopes.append((self._spans[id(node)][1], node))

    def walk(self, node: ast.AST) -> list[ast.AST]:
        """`node` and every node under it, in source order (like `ast.walk`)."""
        span = self._spans.get(id(node))
        if span is None:  # not a scope: walked on its own
            return list(ast.walk(node))
        return self.nodes[span[0] : span[1]]

    def calls(self, node: ast.AST) -> tuple[ast.Call, ...]:
        """The calls in `node` (kept per scope: several rules read each method)."""
        found = self._calls.get(id(node))
        if found is None:
            found = tuple(
                item for item in self.walk(node) if isinstance(item, ast.Call)
            )
            if id(node) in self._spans:
                self._calls[id(node)] = found
        return found

    def qualname(self, node: ast.AST) -> str | None:
        """The dotted path a name or attribute chain stands for, via the imports."""
        raw = self.raw_qualname(node)
        return None if raw is None else canonical(raw)

    def raw_qualname(self, node: ast.AST) -> str | None:
        """Like `qualname`, without reading tf.keras as keras."""
        parts = dotted(node)
        if parts is None or parts[0] not in self.aliases:
            return None
        return ".".join([self.aliases[parts[0]], *parts[1:]])

    def layer_constructor(self, call: ast.Call) -> str | None:
        """The class name if `call` constructs a Keras layer or model, else None."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.by_name:
            return func.id
        name = self.qualname(func)
        if name is None:
            return None
        if name in _MODEL_CONSTRUCTORS:
            return name.rsplit(".", 1)[-1]
        if name.startswith(_LAYER_MODULES) and is_class_name(name):
            return name.rsplit(".", 1)[-1]
        return None

    @staticmethod
    def is_model_constructor(name: str) -> bool:
        return name in {"Model", "Sequential"}
