"""The static rules: each reads a parsed module and yields what it finds.

A rule yields `Hit`s: the node to point at, the rule ID, the message, and the class
it concerns (whose `class` line may carry a suppression comment). The rules are
written against Keras 3 semantics, and lean towards silence where the source alone
cannot tell.
"""

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from keras_scaffold.check.finder import KerasClass, Module, canonical, dotted
from keras_scaffold.check.keras2 import REMOVED_BACKEND_FUNCTIONS


@dataclass(frozen=True)
class Hit:
    node: ast.AST
    rule: str
    message: str
    owner: ast.ClassDef | None = None


# Layers that own no weights: a parent without build() loses nothing by them.
_STATELESS = {
    "Activation", "ActivityRegularization", "Add", "AlphaDropout", "Average",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Concatenate",
    "Cropping1D", "Cropping2D", "Cropping3D", "Dot", "Dropout", "ELU", "Flatten",
    "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Identity", "LeakyReLU", "Masking",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum", "Minimum", "Multiply",
    "Permute", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Softmax",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Subtract",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D",
}  # fmt: skip
_ATTENTION = {"MultiHeadAttention", "GroupedQueryAttention", "Attention",
              "AdditiveAttention"}  # fmt: skip
_RECURRENT = {"LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D",
              "ConvLSTM3D"}  # fmt: skip
_BACKENDS = ("tensorflow", "torch", "jax", "jaxlib")
_KERAS2_MODULES = ("keras.engine", "keras.utils.generic_utils")
_DESERIALIZERS = {"deserialize", "deserialize_keras_object", "from_config"}
_SERIALIZERS = ("layers.serialize", "serialize_keras_object")


# ---------------------------------------------------------------- helpers


def _calls(module: Module, node: ast.AST) -> list[ast.Call]:
    return [item for item in module.walk(node) if isinstance(item, ast.Call)]


def _is_super_call(node: ast.AST, method: str) -> bool:
    """`super().method(...)`, `super(Cls, self).method(...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "super"
    )


def _calls_parent(
    module: Module, cls: KerasClass, function: ast.FunctionDef, method: str
) -> bool:
    """The function calls `super().method` or `Base.method(self, ...)`."""
    for call in _calls(module, function):
        if _is_super_call(call, method):
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


def _self_attr(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        return node.attr
    return None


def _decorated_as(function: ast.FunctionDef, names: set[str]) -> bool:
    return any(
        isinstance(item, ast.Name) and item.id in names
        for item in function.decorator_list
    )


def _init_reachable(module: Module, cls: KerasClass) -> set[str]:
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
        for call in _calls(module, found[1]):
            attr = _self_attr(call.func)
            if attr is not None:
                queue.append(attr)
    return reached


def _constructions(module: Module, node: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    for call in _calls(module, node):
        name = module.layer_constructor(call)
        if name is not None:
            yield call, name


def _created_at_init(module: Module, cls: KerasClass) -> list[tuple[ast.Call, str]]:
    reachable = _init_reachable(module, cls)
    found = []
    for owner in cls.ancestry():
        for name, method in owner.methods.items():
            if name in reachable:
                found.extend(_constructions(module, method))
    return found


def _params(function: ast.FunctionDef) -> list[ast.arg]:
    args = function.args
    named = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return named[1:] if named and named[0].arg in {"self", "cls"} else named


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((item for item in call.keywords if item.arg == name), None)


def _has_splat(call: ast.Call) -> bool:
    return any(item.arg is None for item in call.keywords)


# ---------------------------------------------------------------- KS1: saving


def registration(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.name.startswith("_") or cls.subclassed or cls.local:
        return  # a private, base or local class is not saved under its own name
    for decorator in cls.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = module.qualname(target) or (
            target.id if isinstance(target, ast.Name) else ""
        )
        if not name.endswith("register_keras_serializable"):
            continue
        if isinstance(decorator, ast.Call) and (
            decorator.args or _keyword(decorator, "package")
        ):
            return
        yield Hit(
            decorator,
            "KS102",
            f"`{cls.name}` is registered without a `package`: it is saved as "
            f"`Custom>{cls.name}` and collides with any other `{cls.name}`",
            cls.node,
        )
        return
    yield Hit(
        cls.node,
        "KS101",
        f"`{cls.name}` is not registered with "
        "`@keras.saving.register_keras_serializable(package=...)`: "
        "`keras.models.load_model` cannot find it",
        cls.node,
    )


def _init_args(module: Module, cls: KerasClass) -> tuple[list[ast.arg], set[str]]:
    """`__init__`'s named arguments and those of them passed on to the parent."""
    found = cls.find_method("__init__")
    if found is None:
        return [], set()
    init = found[1]
    forwarded: set[str] = set()
    for call in _calls(module, init):
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            continue
        values = [*call.args, *(item.value for item in call.keywords)]
        forwarded |= {value.id for value in values if isinstance(value, ast.Name)}
    return _params(init), forwarded


class _ConfigKeys(ast.NodeVisitor):
    """The keys a `get_config` writes, or `complete=False` where it cannot tell."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.complete = True
        self.dicts: set[str] = set()  # local names bound to dicts read here

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name) and self._is_dict(node.value):
                self.dicts.add(target.id)
            if isinstance(target, ast.Subscript):
                self._key(target.slice)
        self.generic_visit(node)

    def _is_dict(self, value: ast.AST) -> bool:
        return (
            isinstance(value, ast.Dict)
            or _is_super_call(value, "get_config")
            or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "dict"
            )
        )

    def _key(self, key: ast.AST | None) -> None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.keys.add(key.value)
        else:
            self.complete = False

    def _known(self, value: ast.AST) -> bool:
        return self._is_dict(value) or (
            isinstance(value, ast.Name) and value.id in self.dicts
        )

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                if not self._known(value):
                    self.complete = False
            else:
                self._key(key)
        self.generic_visit(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self.complete = False

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"update", "setdefault"}:
            if func.attr == "setdefault" and node.args:
                self._key(node.args[0])
            if func.attr == "update":
                for arg in node.args:
                    if not self._known(arg):
                        self.complete = False
            for item in node.keywords:
                if item.arg is None:
                    self.complete = False
                else:
                    self.keys.add(item.arg)
        elif isinstance(func, ast.Name) and func.id == "dict":
            for item in node.keywords:
                if item.arg is not None:
                    self.keys.add(item.arg)
        elif isinstance(func, ast.Name) and func.id in {"vars", "locals"}:
            self.complete = False
        self.generic_visit(node)


def config(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.functional:
        return  # a functional model's config is its graph
    params, forwarded = _init_args(module, cls)
    own = [item for item in params if item.arg not in forwarded]
    found = cls.find_method("get_config")
    if found is None:
        if own and cls.find_method("__init__")[0] is cls:
            names = ", ".join(f"`{item.arg}`" for item in own)
            yield Hit(
                cls.methods["__init__"],
                "KS103",
                f"`{cls.name}.__init__` takes {names} but no `get_config` of the "
                "class saves them: saving works only while every value is a "
                "plain str, int, float, bool or None",
                cls.node,
            )
        return
    owner, get_config = found
    if owner is cls and not _calls_parent(module, cls, get_config, "get_config"):
        yield Hit(
            get_config,
            "KS105",
            f"`{cls.name}.get_config` does not merge `super().get_config()`: "
            "the config loses `name`, `trainable` and `dtype`",
            cls.node,
        )
    reader = _ConfigKeys()
    reader.visit(get_config)
    from_config = cls.find_method("from_config")
    if from_config is not None:  # it may add keys of its own
        reader.keys |= {
            node.value
            for node in module.walk(from_config[1])
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    if reader.complete:
        for item in own:
            if item.arg not in reader.keys:
                yield Hit(
                    item,
                    "KS104",
                    f"`{item.arg}` is an argument of `{cls.name}.__init__` but "
                    "not a key of `get_config()`: a loaded layer gets its default",
                    cls.node,
                )
    if owner is cls:
        yield from _nested_config(module, cls, get_config, params)


def _rebuilds(module: Module, cls: KerasClass) -> bool:
    """A `from_config` (or `__init__`) that deserializes what `get_config` nested."""
    for name in ("from_config", "__init__"):
        found = cls.find_method(name)
        if found is None:
            continue
        for call in _calls(module, found[1]):
            func = call.func
            last = func.attr if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                last = func.id
            if last in _DESERIALIZERS and not _is_super_call(call, "from_config"):
                return True
    return False


def _nested_config(
    module: Module, cls: KerasClass, get_config: ast.FunctionDef, params: list
) -> Iterator[Hit]:
    layer_attrs = {
        attr
        for call, _ in _created_at_init(module, cls)
        for attr in _assigned_to(module, cls, call)
    }
    layer_params = {
        item.arg
        for item in params
        if item.annotation is not None
        and any(word in ast.unparse(item.annotation) for word in ("Layer", "Model"))
    }
    layer_attrs |= _attrs_from_params(module, cls, layer_params)
    nested: tuple[ast.AST, str] | None = None
    for node in module.walk(get_config):
        if isinstance(node, ast.Call):
            name = module.qualname(node.func) or ""
            if name.endswith(_SERIALIZERS) or (
                isinstance(node.func, ast.Name)
                and node.func.id == "serialize_keras_object"
            ):
                nested = (node, f"`{ast.unparse(node.func)}(...)`")
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_config"
                and not _is_super_call(node, "get_config")
                and not any(
                    isinstance(arg, ast.Name) and arg.id == "self" for arg in node.args
                )
            ):
                nested = (node, f"`{ast.unparse(node)}` (an object's own config)")
        else:
            for value in _stored_values(node):
                if _self_attr(value) in layer_attrs:
                    nested = (value, f"the layer `{ast.unparse(value)}`")
        if nested:
            break
    if nested and not _rebuilds(module, cls):
        node, what = nested
        yield Hit(
            node,
            "KS106",
            f"`{cls.name}.get_config` stores {what}, but no `from_config` rebuilds "
            "it: loading passes the nested config straight to `__init__`",
            cls.node,
        )


def _stored_values(node: ast.AST) -> list[ast.AST]:
    """The values a config stores: dict items, `config[key] = value`, keywords."""
    if isinstance(node, ast.Dict):
        return [value for key, value in zip(node.keys, node.values, strict=True) if key]
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        return [node.value]
    if isinstance(node, ast.keyword):
        return [node.value]
    return []


def _assigned_to(module: Module, cls: KerasClass, call: ast.Call) -> list[str]:
    """The `self.X` attributes a construction is assigned to directly."""
    found = []
    for node in module.walk(cls.node):
        if isinstance(node, ast.Assign) and node.value is call:
            found.extend(_self_attr(t) for t in node.targets if _self_attr(t))
    return found


def _attrs_from_params(module: Module, cls: KerasClass, names: set[str]) -> set[str]:
    found = cls.find_method("__init__")
    if found is None or not names:
        return set()
    attrs = set()
    for node in module.walk(found[1]):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id in names
        ):
            attrs |= {_self_attr(t) for t in node.targets if _self_attr(t)}
    return attrs


# ---------------------------------------------------------------- KS2: state


def state(module: Module, cls: KerasClass) -> Iterator[Hit]:
    reachable = _init_reachable(module, cls)
    for name, method in cls.methods.items():
        if name in reachable or _decorated_as(method, {"classmethod", "staticmethod"}):
            continue
        for call, layer in _constructions(module, method):
            yield Hit(
                call,
                "KS201",
                f"`{layer}` is created in `{name}()`, not in `__init__`: a new "
                "sub-layer (with new weights) on every call, never tracked or saved",
                cls.node,
            )
        for call in _calls(module, method):
            attr = _self_attr(call.func)
            if attr in {"add_weight", "add_variable"}:
                yield Hit(
                    call,
                    "KS204",
                    f"`self.{attr}` is called in `{name}()`: weights belong in "
                    "`build()` (or `__init__`), where Keras can track and save them",
                    cls.node,
                )
    if cls.kind == "layer" and cls.find_method("build") is None:
        owned = sorted(
            {layer for _, layer in _created_at_init(module, cls)} - _STATELESS
        )
        if owned:
            yield Hit(
                cls.node,
                "KS202",
                f"`{cls.name}` owns sub-layers ({', '.join(f'`{n}`' for n in owned)}) "
                "but has no `build()`: `build(input_shape)` leaves them unbuilt, "
                "with no weights, and loading a saved model warns of unbuilt state",
                cls.node,
            )
    elif cls.kind == "layer":
        yield from _unbuilt_sublayers(module, cls)
    for call, layer in _constructions(module, cls.node):
        if module.is_model_constructor(layer) or cls.functional:
            continue
        dtype = _keyword(call, "dtype")
        unset = dtype is None or (
            isinstance(dtype.value, ast.Constant) and dtype.value.value is None
        )
        if unset and not _has_splat(call):
            yield Hit(
                call,
                "KS203",
                f"`{layer}` is created without `dtype=self.dtype_policy`: under "
                "`mixed_float16` it computes in float32 and the output dtype is wrong",
                cls.node,
            )


def _unbuilt_sublayers(module: Module, cls: KerasClass) -> Iterator[Hit]:
    """KS205: a `build()` that never touches a sub-layer `__init__` assigned."""
    reachable = {"build"}
    queue = ["build"]
    while queue:  # build, and the methods it calls on self
        found = cls.find_method(queue.pop())
        for call in _calls(module, found[1]) if found else []:
            attr = _self_attr(call.func)
            if attr is not None and attr not in reachable:
                reachable.add(attr)
                queue.append(attr)
    mentioned = {
        _self_attr(node)
        for owner in cls.ancestry()
        for name, method in owner.methods.items()
        if name in reachable
        for node in module.walk(method)
    }
    reported = set()
    for call, layer in _created_at_init(module, cls):
        if layer in _STATELESS:
            continue
        for attr in _assigned_to(module, cls, call):
            if attr not in mentioned and attr not in reported:
                reported.add(attr)
                yield Hit(
                    call,
                    "KS205",
                    f"`build()` never builds `self.{attr}` (`{layer}`): it stays "
                    "unbuilt until the first call, so a saved model's weights "
                    "cannot be loaded into it",
                    cls.node,
                )


# ---------------------------------------------------------------- KS3: backends


def backends(module: Module, cls: KerasClass) -> Iterator[Hit]:
    body = [*cls.node.body]
    seen_lines = set()
    for node in (n for item in body for n in module.walk(item)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            used = next((n for n in names if n.split(".")[0] in _BACKENDS), None)
            if used and not _is_tf_keras(used):
                yield Hit(node, "KS301", _backend_message(cls, used), cls.node)
            continue
        if not isinstance(node, ast.Name) or node.lineno in seen_lines:
            continue
        target = module.aliases.get(node.id, "")
        if target.split(".")[0] not in _BACKENDS or _is_tf_keras(target):
            continue
        seen_lines.add(node.lineno)
        yield Hit(node, "KS301", _backend_message(cls, target), cls.node)


def _is_tf_keras(path: str) -> bool:
    return path.startswith(("tensorflow.keras", "tensorflow.python.keras"))


def _backend_message(cls: KerasClass, module_name: str) -> str:
    top = module_name.split(".")[0]
    return (
        f"`{cls.name}` uses `{module_name}`: {top}-only code runs on one Keras "
        "backend; `keras.ops` and `keras.random` run on all three"
    )


def _tf_keras_users(module: Module, node: ast.Attribute) -> bool:
    """`tf.keras...`: an attribute `keras` on the tensorflow module."""
    return (
        node.attr == "keras"
        and isinstance(node.value, ast.Name)
        and module.aliases.get(node.value.id) == "tensorflow"
    )


# ---------------------------------------------------------------- KS4: Keras 2


def keras2_module(module: Module) -> Iterator[Hit]:
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
                if _is_tf_keras(name) or name.split(".")[0] == "tf_keras":
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
            name = module.qualname(node)
            if name and name.startswith("keras.backend."):
                function = name.split(".")[2]
                if function in REMOVED_BACKEND_FUNCTIONS and name.count(".") == 2:
                    yield _removed_hit(node, function)


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
    if build is not None and not _calls_parent(module, cls, build, "build"):
        for node in module.walk(build):
            if (
                isinstance(node, ast.Assign)
                and any(_self_attr(t) == "built" for t in node.targets)
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
    for name in ("get_output_shape_for", "compute_output_signature_for"):
        if name in cls.methods:
            yield Hit(
                cls.methods[name],
                "KS403",
                f"`{name}` is Keras 1/2 API that Keras 3 never calls: "
                "name it `compute_output_shape`",
                cls.node,
            )


# ---------------------------------------------------------------- KS5: arguments

_MUTABLE_CALLS = {"list", "dict", "set", "bytearray", "defaultdict", "OrderedDict"}


def arguments(module: Module, cls: KerasClass) -> Iterator[Hit]:
    for method in cls.methods.values():
        args = method.args
        named = [*args.posonlyargs, *args.args]
        pairs = list(
            zip(named[len(named) - len(args.defaults) :], args.defaults, strict=True)
        )
        pairs += [
            (arg, default)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
            if default is not None
        ]
        for arg, default in pairs:
            if _is_mutable(default):
                yield Hit(
                    default,
                    "KS501",
                    f"`{arg.arg}` of `{cls.name}.{method.name}` has a mutable "
                    f"default `{ast.unparse(default)}`, shared by every call",
                    cls.node,
                )


def _is_mutable(node: ast.AST) -> bool:
    if isinstance(
        node, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp
    ):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (dotted(node.func) or [""])[-1] in _MUTABLE_CALLS
    )


# ---------------------------------------------------------------- KS6: masks


def masking(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.kind != "layer" or cls.find_method("compute_mask") is not None:
        return
    for owner in cls.ancestry():
        for node in module.walk(owner.node):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else (
                    [node.target]
                    if isinstance(node, ast.AnnAssign | ast.AugAssign)
                    else []
                )
            )
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else _self_attr(target)
                if name == "supports_masking":
                    return
    found = cls.find_method("call")
    if found is None:
        return
    names = [item.arg for item in _params(found[1])]
    if any(name == "mask" or name.endswith("_mask") for name in names):
        return
    producer = _sequence_sublayer(module, cls)
    if producer is None:
        return
    yield Hit(
        found[1] if found[0] is cls else cls.node,
        "KS601",
        f"`{cls.name}` is a sequence layer ({producer}) that drops masks: `call()` "
        "takes no `mask`, and it neither sets `supports_masking` nor defines "
        "`compute_mask`",
        cls.node,
    )


def _sequence_sublayer(module: Module, cls: KerasClass) -> str | None:
    for call, layer in _created_at_init(module, cls):
        if layer in _ATTENTION:
            return f"it uses `{layer}`"
        sequences = _keyword(call, "return_sequences")
        if (
            layer in _RECURRENT
            and sequences is not None
            and isinstance(sequences.value, ast.Constant)
            and sequences.value.value is True
        ):
            return f"it uses `{layer}(return_sequences=True)`"
        mask_zero = _keyword(call, "mask_zero")
        if (
            layer == "Embedding"
            and mask_zero is not None
            and not (
                isinstance(mask_zero.value, ast.Constant)
                and mask_zero.value.value in (False, None)
            )
        ):
            return "its `Embedding` makes a mask"
    return None


#: Rules run once per Keras class.
CLASS_RULES: list[Callable[[Module, KerasClass], Iterator[Hit]]] = [
    registration,
    config,
    state,
    backends,
    keras2_class,
    arguments,
    masking,
]

#: Rules run once per module.
MODULE_RULES: list[Callable[[Module], Iterator[Hit]]] = [keras2_module]
