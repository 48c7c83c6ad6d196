"""KS2: sub-layers, weights and `build()`."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.common import (
    Hit,
    assigned_to,
    calls_in,
    constructions,
    created_at_init,
    decorated_as,
    has_splat,
    init_reachable,
    is_stateless,
    keyword_arg,
    self_attr,
)


def state(module: Module, cls: KerasClass) -> Iterator[Hit]:
    reachable = init_reachable(module, cls)
    for name, method in cls.methods.items():
        if name in reachable or decorated_as(method, {"classmethod", "staticmethod"}):
            continue
        for call, layer in constructions(module, method):
            if is_stateless(module, layer):
                continue  # wasteful, but nothing to track or save
            yield Hit(
                call,
                "KS201",
                f"`{layer}` is created in `{name}()`, not in `__init__`: a new "
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
    if cls.kind == "layer" and cls.find_method("build") is None:
        owned = sorted(
            {
                layer
                for _, layer in created_at_init(module, cls)
                if not is_stateless(module, layer)
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
    for call, layer in constructions(module, cls.node):
        if module.is_model_constructor(layer) or cls.functional:
            continue
        dtype = keyword_arg(call, "dtype")
        unset = dtype is None or (
            isinstance(dtype.value, ast.Constant) and dtype.value.value is None
        )
        if unset and not has_splat(call):
            yield Hit(
                call,
                "KS203",
                f"`{layer}` is created without `dtype=self.dtype_policy`: under "
                "`mixed_float16` it computes in float32 and the output dtype is wrong",
                cls.node,
            )


# Attributes that reach every sub-layer Keras tracks.
_ALL_SUBLAYERS = {"_layers", "layers", "_flatten_layers", "submodules", "_tracker"}


def _unbuilt_sublayers(module: Module, cls: KerasClass) -> Iterator[Hit]:
    """KS205: a `build()` that never touches a sub-layer `__init__` assigned."""
    reachable = {"build"}
    queue = ["build"]
    while queue:  # build, and the methods it calls on self
        found = cls.find_method(queue.pop())
        for call in calls_in(module, found[1]) if found else []:
            attr = self_attr(call.func)
            if attr is not None and attr not in reachable:
                reachable.add(attr)
                queue.append(attr)
    nodes = [
        node
        for owner in cls.ancestry()
        for name, method in owner.methods.items()
        if name in reachable
        for node in module.walk(method)
    ]
    mentioned = {self_attr(node) for node in nodes}
    if mentioned & _ALL_SUBLAYERS or any(
        isinstance(node, ast.Call)
        and any(isinstance(arg, ast.Name) and arg.id == "self" for arg in node.args)
        for node in nodes
    ):
        return  # it builds every tracked layer, or hands `self` to code not read here
    reported = set()
    for call, layer in created_at_init(module, cls):
        if is_stateless(module, layer):
            continue
        for attr in assigned_to(module, cls, call):
            if attr not in mentioned and attr not in reported:
                reported.add(attr)
                yield Hit(
                    call,
                    "KS205",
                    f"`build()` never builds `self.{attr}` (`{layer}`): after "
                    "`build(input_shape)` it has no weights, and a layer rebuilt "
                    "with `build()` alone on loading has nowhere to put them",
                    cls.node,
                )
