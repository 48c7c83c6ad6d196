"""What the rules share: the `Hit` they yield and readers of classes and calls.

A class's methods may be defined in a parent of another file: each reader takes the
module a method is in from the class that defines it (`owner.module`). What is read
once per class or method is kept in `KerasClass.memo`, and what `super()` chains
add up to is kept per defining class, so a hierarchy thousands of classes deep is
read in linear time.
"""

import ast
from collections.abc import Callable
from dataclasses import dataclass

from keras_scaffold.check.finder import KerasClass, Module, is_class_name


@dataclass(frozen=True)
class Hit:
    node: ast.AST
    rule: str
    message: str
    owner: ast.ClassDef | None = None


@dataclass(frozen=True)
class Construction:
    """A Keras layer or model created in a method: `self.attrs... = Layer(...)`."""

    call: ast.Call
    layer: str  # the class name
    target: KerasClass | None  # the class, where it is one of the files read
    attrs: tuple[str, ...]  # the `self` attributes it is assigned to directly
    method: str
    module: Module  # the module the call is in
    # Built where it is made: a local name it is assigned to is built in the same
    # method (`dense = Dense(4)`, then `dense.build((None, 3))`).
    built: bool = False

    def node_in(self, module: Module, cls: KerasClass) -> ast.AST:
        """Where to report it in `module`: the call, or the class inheriting it."""
        return self.call if self.module is module else cls.node


# Layers that own no weights: a parent without build() loses nothing by them.
STATELESS = {
    "Activation", "ActivityRegularization", "Add", "AlphaDropout", "Average",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Concatenate",
    "Cropping1D", "Cropping2D", "Cropping3D", "Dot", "Dropout", "ELU", "Flatten",
    "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Identity", "LeakyReLU", "Masking",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum", "Minimum", "Multiply",
    "Permute", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Resizing",
    "CenterCrop", "Lambda", "UnitNormalization", "Softmax",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Subtract",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D",
}  # fmt: skip

# keras-hub's (and keras-nlp's) preprocessing layers: no weights, and no dtype
# policy to follow (they pack token ids, in tf.data or eagerly).
PREPROCESSING = {
    "AudioConverter", "ImageConverter", "MaskedLMMaskGenerator",
    "MultiSegmentPacker", "RandomDeletion", "RandomSwap", "StartEndPacker",
    "VideoConverter",
}  # fmt: skip
STATELESS |= PREPROCESSING

# Method names that run while a layer is created or built.
INIT_METHODS = ("__init__", "build")


def calls_in(module: Module, node: ast.AST) -> tuple[ast.Call, ...]:
    return module.calls(node)


def is_super_call(node: ast.AST, method: str) -> bool:
    """`super().method(...)`, `super(Cls, self).method(...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "super"
    )


def calls_parent(
    module: Module, cls: KerasClass, function: ast.FunctionDef, method: str
) -> bool:
    """The function calls `super().method` or `Base.method(self, ...)`."""
    for call in calls_in(module, function):
        if is_super_call(call, method):
            return True
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == method
            and isinstance(func.value, ast.Name | ast.Attribute)
            and (
                module.qualname(func.value) is not None
                or (
                    isinstance(func.value, ast.Name)
                    and func.value.id in module.class_names
                )
            )
        ):
            return True
    return False


def self_attr(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        return node.attr
    return None


def decorated_as(function: ast.FunctionDef, names: set[str]) -> bool:
    return any(
        isinstance(item, ast.Name) and item.id in names
        for item in function.decorator_list
    )


def fold_super(
    cls: KerasClass,
    name: str,
    key: str,
    read: Callable[[KerasClass, ast.FunctionDef], object],
    join: Callable[[object, object | None], object],
) -> object | None:
    """`read(owner, method)` of the method `name` as `cls` has it, joined with
    what the parent's method it reaches through `super()` gives (None where it
    reaches none): `join(mine, parents)`. Kept per defining class, and filled in
    without recursion, so a chain of overrides thousands deep is read once."""
    found = cls.find_method(name)
    chain = []
    result = None
    while found is not None:
        owner, function = found
        if (key, name) in owner.memo:
            result = owner.memo[(key, name)]
            break
        chain.append(found)
        found = (
            owner.parent_method(name)
            if calls_parent(owner.module, owner, function, name)
            else None
        )
    for owner, function in reversed(chain):
        result = join(read(owner, function), result)
        owner.memo[(key, name)] = result
    return result


def _concatenate(mine: tuple, parents: tuple | None) -> tuple:
    return mine + parents if mine and parents else (mine or parents or ())


def along_super(
    cls: KerasClass,
    name: str,
    key: str,
    read: Callable[[KerasClass, ast.FunctionDef], tuple],
) -> tuple:
    """`read(owner, method)` of the method `name` as `cls` has it, then of each
    parent's method of that name that it reaches through `super()`, joined.
    Reads should be small (names, not nodes): a long chain copies them."""
    return fold_super(cls, name, key, read, _concatenate) or ()


def _self_calls(owner: KerasClass, function: ast.FunctionDef) -> tuple[str, ...]:
    return tuple(
        attr
        for call in calls_in(owner.module, function)
        if (attr := self_attr(call.func)) is not None
    )


def reachable(cls: KerasClass, roots: tuple[str, ...]) -> list[str]:
    """Method names `roots` run: those, and the methods they call on `self`,
    transitively (through the parents' overrides they reach with `super()`)."""
    key = ("reachable", roots)
    if key not in cls.memo:
        found, queue = [], list(roots)
        while queue:
            name = queue.pop()
            if name in found:
                continue
            found.append(name)
            queue.extend(along_super(cls, name, "self_calls", _self_calls))
        cls.memo[key] = found
    return cls.memo[key]


def init_reachable(cls: KerasClass) -> list[str]:
    """Method names run while the layer is created or built: `__init__`, `build`,
    and the methods they call on `self`, transitively."""
    return reachable(cls, INIT_METHODS)


def layer_constructor(module: Module, call: ast.Call) -> tuple[str, KerasClass | None]:
    """The class name (and the class, where it is one read here) if `call`
    constructs a Keras layer or model, else ("", None)."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in module.by_name:
        return func.id, module.by_name[func.id]
    name = module.qualname(func)
    if name is None:
        return "", None
    found = module.layer_constructor(call)
    if found is not None:
        return found, None
    index = module.index
    if index is None or not is_class_name(name):
        return "", None
    target = index.resolve(name)
    if isinstance(target, tuple):
        cls = index.keras_class(*target)
        if cls is not None:
            return cls.name, cls
    return "", None


def constructions(
    module: Module, node: ast.AST, method: str = ""
) -> list[Construction]:
    """The Keras layers and models created in `node`."""
    assigned: dict[int, list[str]] = {}
    local: dict[int, list[str]] = {}  # plain names a call is assigned to
    built: set[str] = set()  # plain names whose `.build(...)` is called
    calls = []
    for item in module.walk(node):
        if isinstance(item, ast.Assign) and isinstance(item.value, ast.Call):
            attrs = [a for a in map(self_attr, item.targets) if a]
            if attrs:
                assigned.setdefault(id(item.value), []).extend(attrs)
            names = [t.id for t in item.targets if isinstance(t, ast.Name)]
            if names:
                local.setdefault(id(item.value), []).extend(names)
        elif isinstance(item, ast.Call):
            calls.append(item)
            func = item.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "build"
                and isinstance(func.value, ast.Name)
            ):
                built.add(func.value.id)
    found = []
    for call in calls:
        name, target = layer_constructor(module, call)
        if name:
            attrs = tuple(assigned.get(id(call), ()))
            here = any(local_name in built for local_name in local.get(id(call), ()))
            found.append(Construction(call, name, target, attrs, method, module, here))
    return found


def _method_constructions(owner: KerasClass, function: ast.FunctionDef) -> tuple:
    return tuple(constructions(owner.module, function, function.name))


def created_in(
    cls: KerasClass, names: list[str] | tuple[str, ...]
) -> list[Construction]:
    """The layers created by the methods `names` as `cls` runs them."""
    found = []
    for name in names:
        found.extend(along_super(cls, name, "constructions", _method_constructions))
    return found


def created_at_init(cls: KerasClass) -> list[Construction]:
    """The layers created while the layer is created or built."""
    if "created_at_init" not in cls.memo:
        cls.memo["created_at_init"] = created_in(cls, init_reachable(cls))
    return cls.memo["created_at_init"]


def named_params(function: ast.FunctionDef) -> list[ast.arg]:
    args = function.args
    named = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return named[1:] if named and named[0].arg in {"self", "cls"} else named


def keyword_arg(call: ast.Call, name: str) -> ast.keyword | None:
    return next((item for item in call.keywords if item.arg == name), None)


def has_splat(call: ast.Call) -> bool:
    return any(item.arg is None for item in call.keywords)


def is_tf_keras(path: str) -> bool:
    return path.startswith(("tensorflow.keras", "tensorflow.python.keras"))


def inherited(cls: KerasClass, key: str, own: Callable[[KerasClass], bool]) -> bool:
    """`own` of the class or of any parent, kept per class (parents first, without
    recursion: a chain thousands of classes deep costs no stack)."""
    stack = [cls]
    while stack:
        current = stack[-1]
        if key in current.memo:
            stack.pop()
            continue
        todo = [parent for parent in current.parents if key not in parent.memo]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        current.memo[key] = own(current) or any(
            parent.memo[key] for parent in current.parents
        )
    return cls.memo[key]


def adds_weights(cls: KerasClass) -> bool:
    """The class or a parent calls `self.add_weight` (or `add_variable`)."""
    return inherited(
        cls,
        "adds_weights",
        lambda owner: any(
            self_attr(call.func) in {"add_weight", "add_variable"}
            for call in calls_in(owner.module, owner.node)
        ),
    )


def is_stateless(made: Construction, seen: frozenset = frozenset()) -> bool:
    """A layer with no weights: a Keras one in `STATELESS`, or a class read here
    that derives from `Layer`, never calls `add_weight` and creates only stateless
    sub-layers."""
    if made.target is None:
        return made.layer in STATELESS
    cls = made.target
    if cls.kind != "layer" or id(cls) in seen:
        return False
    if "stateless" not in cls.memo:
        cls.memo["stateless"] = not adds_weights(cls) and all(
            is_stateless(sub, seen | {id(cls)}) for sub in created_at_init(cls)
        )
    return cls.memo["stateless"]


def builds_itself(made: Construction, seen: frozenset = frozenset()) -> bool:
    """A sub-layer that has every weight once made: built where it is made, or a
    class read here whose `__init__` makes all of its weights (`add_weight` only
    in what `__init__` runs) and builds all of its sub-layers (keras-cv's
    `AddRelativePositionalEmbedding`, k3-node's `MLP`)."""
    if made.built:
        return True
    cls = made.target
    if cls is None or cls.kind != "layer" or id(cls) in seen:
        return False
    if "builds_itself" not in cls.memo:
        cls.memo["builds_itself"] = _builds_itself(cls, seen | {id(cls)})
    return cls.memo["builds_itself"]


def _builds_itself(cls: KerasClass, seen: frozenset) -> bool:
    at_init = reachable(cls, ("__init__",))
    for owner in cls.ancestry():
        for name, method in owner.methods.items():
            adds = any(
                self_attr(call.func) in {"add_weight", "add_variable"}
                for call in calls_in(owner.module, method)
            )
            if adds and name not in at_init:
                return False  # a weight `build()` (or a later call) makes
    built = {
        attr for name in at_init for attr in along_super(cls, name, "builds", builds)
    }
    for sub in created_at_init(cls):
        if is_stateless(sub) or (sub.method in at_init and set(sub.attrs) & built):
            continue
        if sub.method not in at_init or not builds_itself(sub, seen):
            return False
    return True


def builds(owner: KerasClass, function: ast.FunctionDef) -> tuple[str, ...]:
    """The `self` attributes a method builds: `self.dense.build(...)`."""
    return tuple(
        self_attr(node.func.value)
        for node in owner.module.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "build"
        and self_attr(node.func.value)
    )


def holds_no_weights(cls: KerasClass) -> bool:
    """The class (parents included) never calls `add_weight` and creates only
    sub-layers without weights in `__init__` (what `build` may create is unknown)."""
    return not adds_weights(cls) and all(
        is_stateless(made) for made in created_at_init(cls)
    )


# Bases whose layers run in tf.data: TensorFlow runs there on every backend, and
# no dtype policy applies (keras-hub's `PreprocessingLayer`, Keras's `TFDataLayer`).
_TF_DATA_BASES = ("PreprocessingLayer", "TFDataLayer", "DataLayer")


def runs_in_tf_data(cls: KerasClass) -> bool:
    """The class itself (not its parents) is, or derives from outside from, a
    layer that runs in tf.data (use with `inherited`)."""
    if cls.name in _TF_DATA_BASES:
        return True
    if any(part.startswith("preprocessing") for part in cls.module.name.split(".")):
        return True  # keras/src/layers/preprocessing/, keras-cv's preprocessing_3d/
    for base in cls.node.bases:
        name = cls.module.qualname(base) or ""
        if name.rsplit(".", 1)[-1] in _TF_DATA_BASES or ".preprocessing." in name:
            return True
    return False


def is_abstract(cls: KerasClass) -> bool:
    """A method of the class only raises `NotImplementedError`: a base."""
    for method in cls.methods.values():
        body = [s for s in method.body if not _is_docstring(s)]
        if len(body) == 1 and isinstance(body[0], ast.Raise):
            error = body[0].exc
            error = error.func if isinstance(error, ast.Call) else error
            if isinstance(error, ast.Name) and error.id == "NotImplementedError":
                return True
    return False


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
