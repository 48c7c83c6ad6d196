"""What the rules share: the `Hit` they yield and readers of classes and calls."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from keras_scaffold.check.finder import KerasClass, Module


@dataclass(frozen=True)
class Hit:
    node: ast.AST
    rule: str
    message: str
    owner: ast.ClassDef | None = None


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


def calls_in(module: Module, node: ast.AST) -> list[ast.Call]:
    return [item for item in module.walk(node) if isinstance(item, ast.Call)]


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


def init_reachable(module: Module, cls: KerasClass) -> set[str]:
    """Method names run while the layer is created or built: `__init__`, `build`,
    and the methods they call on `self`, transitively."""
    reached, queue = set(), ["__init__", "build"]
    while queue:
        name = queue.pop()
        if name in reached:
            continue
        reached.add(name)
        found = cls.find_method(name)
        if found is None:
            continue
        for call in calls_in(module, found[1]):
            attr = self_attr(call.func)
            if attr is not None:
                queue.append(attr)
    return reached


def constructions(module: Module, node: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    for call in calls_in(module, node):
        name = module.layer_constructor(call)
        if name is not None:
            yield call, name


def created_at_init(module: Module, cls: KerasClass) -> list[tuple[ast.Call, str]]:
    reachable = init_reachable(module, cls)
    found = []
    for owner in cls.ancestry():
        for name, method in owner.methods.items():
            if name in reachable:
                found.extend(constructions(module, method))
    return found


def named_params(function: ast.FunctionDef) -> list[ast.arg]:
    args = function.args
    named = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return named[1:] if named and named[0].arg in {"self", "cls"} else named


def keyword_arg(call: ast.Call, name: str) -> ast.keyword | None:
    return next((item for item in call.keywords if item.arg == name), None)


def has_splat(call: ast.Call) -> bool:
    return any(item.arg is None for item in call.keywords)


def assigned_to(module: Module, cls: KerasClass, call: ast.Call) -> list[str]:
    """The `self.X` attributes a construction is assigned to directly."""
    found = []
    for node in module.walk(cls.node):
        if isinstance(node, ast.Assign) and node.value is call:
            found.extend(self_attr(t) for t in node.targets if self_attr(t))
    return found


def is_tf_keras(path: str) -> bool:
    return path.startswith(("tensorflow.keras", "tensorflow.python.keras"))


def is_stateless(module: Module, layer: str, seen: frozenset = frozenset()) -> bool:
    """A layer with no weights: a Keras one in `STATELESS`, or a class of this file
    that derives from `Layer`, never calls `add_weight` and creates only stateless
    sub-layers."""
    if layer in STATELESS:
        return True
    cls = next((c for c in module.classes if c.name == layer), None)
    if cls is None or cls.kind != "layer" or layer in seen:
        return False
    for owner in cls.ancestry():
        for call in calls_in(module, owner.node):
            if self_attr(call.func) in {"add_weight", "add_variable"}:
                return False
    return all(
        is_stateless(module, name, seen | {layer})
        for _, name in created_at_init(module, cls)
    )
