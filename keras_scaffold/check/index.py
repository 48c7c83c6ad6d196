"""The files `check` reads, linked: which classes derive from Keras across files.

A class's base may be defined in another file of the tree (`class Conv1D(BaseConv)`),
imported through a package that re-exports it (`from keras_hub.models import
Backbone`), or be Keras itself under another name (`from keras_cv.src.backend import
keras`). Names are followed through the files checked and, where a name leads to a
module of the same package that was not named on the command line, through that
module's source too (read for its names only, never reported). Nothing is imported.
"""

import ast
import tokenize
from pathlib import Path

from keras_scaffold.check.finder import KerasClass, Module, canonical, keras_kind

# Hops through re-exports before a name is given up on (a cycle, or a maze).
_MAX_HOPS = 32


def module_location(path: Path) -> tuple[Path, str]:
    """The folder a file is imported from and its dotted module name: up through
    the packages that hold it (folders with `__init__.py`, and folders without one
    inside such a package, which Python imports as namespace packages)."""
    path = path.resolve()
    parts = [path.stem] if path.stem != "__init__" else []
    folder = path.parent
    while folder.parent != folder and (
        (folder / "__init__.py").is_file() or (folder.parent / "__init__.py").is_file()
    ):
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


def parse(path: str, source: str, name: str = "") -> Module:
    """A module from source (raises SyntaxError, ValueError, RecursionError)."""
    return Module(path, source, ast.parse(source, filename=path), name)


class Index:
    """Modules by dotted name, and the Keras classes of those checked."""

    def __init__(self) -> None:
        self.modules: dict[str, Module] = {}
        self.checked: list[Module] = []
        self._roots: dict[str, Path] = {}  # top-level name -> the folder it is in
        self._flat: list[Path] = []  # folders of checked modules outside packages
        self._missing: set[str] = set()
        self._classes: dict[int, KerasClass | None] = {}
        self.memo: dict[str, object] = {}  # what rules compute once per run

    def add(self, module: Module, root: Path | None = None) -> None:
        """A module to check; `root` is the folder its package is imported from,
        where other modules of the package are looked for."""
        self.checked.append(module)
        if module.name:
            self.modules.setdefault(module.name, module)
            if root is not None:
                self._roots.setdefault(module.name.split(".")[0], root)
                if "." not in module.name and root not in self._flat:
                    self._flat.append(root)  # its siblings import as it does
        module.index = self

    # -- Names. -----------------------------------------------------------------

    def module(self, name: str) -> Module | None:
        """The module `name`: checked, or read from its package's folder."""
        found = self.modules.get(name)
        if found is not None or name in self._missing:
            return found
        root = self._roots.get(name.split(".")[0])
        for folder in [root] if root is not None else self._flat:
            base = folder.joinpath(*name.split("."))
            for path in (base.with_suffix(".py"), base / "__init__.py"):
                found = self._read(path, name)
                if found is not None:
                    self.modules[name] = found
                    return found
        self._missing.add(name)
        return None

    @staticmethod
    def _read(path: Path, name: str) -> Module | None:
        try:
            if not path.is_file():  # not a FIFO or a device
                return None
            with tokenize.open(path) as file:
                module = parse(str(path), file.read(), name)
        except (OSError, SyntaxError, ValueError, LookupError, RecursionError):
            return None  # only read for its names; the check reports it if named
        return module

    def resolve(self, name: str) -> tuple[Module, ast.ClassDef] | str | None:
        """What a dotted name stands for: a class defined in a module here, else
        the name it leads to outside (re-exports followed), else None."""
        for _ in range(_MAX_HOPS):
            parts = name.split(".")
            for end in range(len(parts), 0, -1):
                module = self.module(".".join(parts[:end]))
                if module is not None:
                    break
            else:
                return canonical(name)  # outside the tree
            rest = parts[end:]
            if not rest:
                return None  # a module, not a class
            node = module.defs.get(rest[0])
            if node is not None:
                return (module, node) if len(rest) == 1 else None
            target = module.aliases.get(rest[0])
            if target is None:
                return None
            name = ".".join([target, *rest[1:]])
        return None

    # -- Classes. ---------------------------------------------------------------

    def link(self) -> None:
        """Find the Keras classes of every checked module."""
        for module in self.checked:
            found = [self.keras_class(module, node) for node in module.class_defs]
            module.classes = [cls for cls in found if cls is not None]
            module.by_name = {}
            for cls in module.classes:
                module.by_name.setdefault(cls.name, cls)

    def release(self) -> None:
        """Cut the links between classes, modules and this index (parents and
        children, memos, back references), so that reference counting frees the
        parsed files at once, not a cycle collection that walks every node."""
        for module in [*self.modules.values(), *self.checked]:
            for cls in module.classes:
                cls.parents.clear()
                cls.children.clear()
                cls.memo.clear()
                cls._resolved.clear()
            module.classes, module.by_name, module.index = [], {}, None
        self._classes.clear()
        self.memo.clear()

    def keras_class(self, module: Module, node: ast.ClassDef) -> KerasClass | None:
        """The class as a Keras class, or None; parents are linked first, without
        recursion, so a chain of thousands of classes costs no stack."""
        stack = [(module, node)]
        waiting: set[int] = set()
        while stack:
            current, cls = stack[-1]
            if id(cls) in self._classes:
                stack.pop()
                continue
            bases = [self._base(current, cls, base) for base in cls.bases]
            pending = [
                base
                for base in bases
                if isinstance(base, tuple) and id(base[1]) not in self._classes
            ]
            if pending and id(cls) not in waiting:
                waiting.add(id(cls))
                stack.extend(
                    base for base in pending if id(base[1]) not in waiting
                )  # a cycle is cut where it closes
                continue
            stack.pop()
            self._classes[id(cls)] = self._make(current, cls, bases)
        return self._classes[id(node)]

    def _make(
        self, module: Module, node: ast.ClassDef, bases: list
    ) -> KerasClass | None:
        kinds = [base for base in bases if isinstance(base, str)]
        parents = [
            self._classes.get(id(base[1])) for base in bases if isinstance(base, tuple)
        ]
        parents = [parent for parent in parents if parent is not None]
        kind = kinds[0] if kinds else (parents[0].kind if parents else None)
        if kind is None:
            return None
        return KerasClass(node, kind, module, parents, local=id(node) in module.local)

    def _base(
        self, module: Module, node: ast.ClassDef, base: ast.expr
    ) -> tuple[Module, ast.ClassDef] | str | None:
        """A base as a class here, a kind of Keras class ("layer", ...) or None."""
        if isinstance(base, ast.Name):
            here = _defined_before(module, base.id, node)
            if here is not None:
                return module, here
        name = module.qualname(base)
        kind = keras_kind(name)
        if kind is not None or name is None:
            return kind
        target = self.resolve(name)
        if not isinstance(target, str):
            return target
        return keras_kind(target) or keras_kind(_reexported_keras(target))


def _reexported_keras(name: str) -> str | None:
    """`keras_cv.src.backend.keras.layers.Layer` -> `keras.layers.Layer`: a
    library outside the tree that re-exports Keras (its module is not read)."""
    parts = name.split(".")
    if "keras" not in parts[1:]:
        return None
    at = parts.index("keras", 1)
    return ".".join(parts[at:])


def _defined_before(
    module: Module, name: str, node: ast.ClassDef
) -> ast.ClassDef | None:
    """The class `name` of this module that a base of `node` names: the last one
    defined before it, else the first after it."""
    before = [c for c in module.defs_by_name.get(name, ()) if c is not node]
    if not before:
        return None
    earlier = [c for c in before if c.lineno < node.lineno]
    return earlier[-1] if earlier else before[0]
