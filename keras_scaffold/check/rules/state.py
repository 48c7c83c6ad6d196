"""KS2: sub-layers, weights and `build()`."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.common import (
    PREPROCESSING,
    Hit,
    along_super,
    builds,
    builds_itself,
    calls_in,
    constructions,
    created_at_init,
    created_in,
    has_splat,
    inherited,
    init_reachable,
    is_stateless,
    keyword_arg,
    reachable,
    runs_in_tf_data,
    self_attr,
)


def state(module: Module, cls: KerasClass) -> Iterator[Hit]:
    per_call = reachable(cls, ("call",))
    at_init = init_reachable(cls)
    for name, method in cls.methods.items():
        if name not in per_call or name in at_init:
            continue  # only what runs on every call makes new layers each time
        for made in constructions(module, method, name):
            if is_stateless(made):
                continue  # wasteful, but nothing to track or save
            yield Hit(
                made.call,
                "KS201",
                f"`{made.layer}` is created in `{name}()`, not in `__init__`: a new "
                "sub-layer (with new weights) on every call, never tracked or saved",
                cls.node,
            )
        for call in calls_in(module, method):
            attr = self_attr(call.func)
            if attr in {"add_weight", "add_variable"}:
                yield Hit(
                    call,
                    "KS204",
                    f"`self.{attr}` is called in `{name}()`: weights belong in "
                    "`build()` (or `__init__`), where Keras can track and save them",
                    cls.node,
                )
    tf_data = inherited(cls, "tf_data", runs_in_tf_data)
    if cls.kind == "layer" and cls.find_method("build") is None and not tf_data:
        # (A tf.data layer is built by `adapt`, not by an input shape.)
        built = built_at_init(cls) | _chosen_among_branches(cls)
        owned = sorted(
            {
                made.layer
                for made in created_at_init(cls)
                if not (is_stateless(made) or builds_itself(made))
                and not set(made.attrs) & built
            }
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
    yield from _dtype_policies(module, cls)


def _dtype_policies(module: Module, cls: KerasClass) -> Iterator[Hit]:
    """KS203: sub-layers that do not follow the layer's dtype policy."""
    if cls.functional or inherited(cls, "tf_data", runs_in_tf_data):
        return  # a graph's layers have their own; tf.data has no dtype policy
    for made in constructions(module, cls.node):
        call, layer = made.call, made.layer
        if module.is_model_constructor(layer) or (
            made.target is not None and made.target.kind == "model"
        ):
            continue  # a model computes in its layers
        if layer.rsplit(".", 1)[-1] in _OUTPUTS_OF_GIVEN_LAYERS:
            continue  # its outputs are those of the layers it is given
        if made.target is None and layer in PREPROCESSING:
            continue  # token ids in, token ids out: no dtype policy to follow
        dtype = keyword_arg(call, "dtype")
        if dtype is not None and self_attr(dtype.value) in _VARIABLE_DTYPES:
            yield Hit(
                call,
                "KS203",
                f"`{layer}` is created with `dtype={ast.unparse(dtype.value)}`, the "
                "layer's variable dtype, not its policy: under `mixed_float16` that "
                "is float32, so it computes in float32 and the output dtype is wrong",
                cls.node,
            )
            continue
        unset = dtype is None or (
            isinstance(dtype.value, ast.Constant) and dtype.value.value is None
        )
        if unset and not has_splat(call):
            yield Hit(
                call,
                "KS203",
                f"`{layer}` is created without `dtype=self.dtype_policy`: under a "
                "`mixed_float16` policy given to the layer it computes in float32 "
                "and the output dtype is wrong",
                cls.node,
            )


# Keras wrappers that only pass their inputs through the layers they are given:
# their outputs have those layers' dtype (RNN's stacked cells under
# `mixed_float16` give float16 whatever the wrapper's own policy).
_OUTPUTS_OF_GIVEN_LAYERS = {"StackedRNNCells"}

# `self.dtype` is the variable dtype: float32 under a mixed policy.
_VARIABLE_DTYPES = {"dtype", "variable_dtype", "_dtype"}


# Attributes that reach every sub-layer Keras tracks.
_ALL_SUBLAYERS = {"_layers", "layers", "_flatten_layers", "submodules", "_tracker"}


def built_at_init(cls: KerasClass) -> set[str]:
    """Sub-layers `__init__` builds itself (`self.dense.build((None, width))`,
    where the input width is an argument)."""
    return {
        attr
        for name in reachable(cls, ("__init__",))
        for attr in along_super(cls, name, "builds", builds)
    }


def _assignments(owner: KerasClass, function: ast.FunctionDef) -> tuple:
    """(attribute, value) for each `self.attribute = value` of a method."""
    return tuple(
        (attr, node.value)
        for node in owner.module.walk(function)
        if isinstance(node, ast.Assign)
        for attr in map(self_attr, node.targets)
        if attr
    )


def _chosen_among_branches(cls: KerasClass) -> set[str]:
    """Attributes that `__init__` (or `build()`) sets to a sub-layer with weights
    on one path and, on another, to what may be a layer without weights (an
    argument, a function's result, a layer without weights; not `None` or a
    `lambda`, which are no layers at all): k3-node's
    `MessagePassing.aggr_module`, whose default is a `SumAggregation`. Which one
    a class gets, the source cannot tell."""
    if "chosen_among_branches" in cls.memo:
        return cls.memo["chosen_among_branches"]
    stateful = {
        id(made.call)
        for made in created_at_init(cls)
        if not (is_stateless(made) or builds_itself(made))
    }
    if not stateful:  # (most classes: no reading of every assignment up the chain)
        cls.memo["chosen_among_branches"] = set()
        return set()
    kinds: dict[str, set[bool]] = {}
    for name in init_reachable(cls):
        for attr, value in along_super(cls, name, "assignments", _assignments):
            if not isinstance(value, ast.Name | ast.Attribute | ast.Call):
                continue  # `None`, `lambda x: x`: no layer at all
            kinds.setdefault(attr, set()).add(id(value) in stateful)
    found = {attr for attr, seen in kinds.items() if seen == {True, False}}
    cls.memo["chosen_among_branches"] = found
    return found


# What a method touches: the `self` attributes it reads, and `_EVERY` where it
# reaches every tracked layer or hands `self` to code not read here.
_EVERY = "\0every"


def _touches(owner: KerasClass, function: ast.FunctionDef) -> tuple[str, ...]:
    found = set()
    for node in owner.module.walk(function):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            attr = self_attr(node)
            if attr in _ALL_SUBLAYERS:
                found.add(_EVERY)
            elif attr:
                found.add(attr)
        elif isinstance(node, ast.Call) and any(
            isinstance(arg, ast.Name) and arg.id == "self" for arg in node.args
        ):
            found.add(_EVERY)
    return tuple(found)


def _unbuilt_sublayers(module: Module, cls: KerasClass) -> Iterator[Hit]:
    """KS205: a `build()` that leaves a sub-layer unbuilt: one `__init__` (or
    `build()` itself) created, that `build()` neither builds nor mentions, and
    that `__init__` did not build."""
    in_build = reachable(cls, ("build",))
    mentioned = {
        attr
        for name in in_build
        for attr in along_super(cls, name, "touches", _touches)
    }
    if _EVERY in mentioned:
        return  # it builds every tracked layer, or hands `self` to code not read here
    done = mentioned | built_at_init(cls) | _chosen_among_branches(cls)
    reported = set()
    for made in [*created_at_init(cls), *created_in(cls, in_build)]:
        if is_stateless(made) or builds_itself(made):
            continue
        for attr in made.attrs:
            if attr not in done and attr not in reported:
                reported.add(attr)
                made_in = "`build()`" if made.method in in_build else "`__init__`"
                yield Hit(
                    made.node_in(module, cls),
                    "KS205",
                    f"{made_in} creates `self.{attr}` (`{made.layer}`), but neither "
                    "`__init__` nor `build()` builds it: after `build(input_shape)` "
                    "it has no weights, and a layer rebuilt with `build()` alone on "
                    "loading has nowhere to put them",
                    cls.node,
                )
