"""What the layers of this folder share, written once for it by keras-scaffold
0.1.0, kept current by `regenerate`: argument checks in Keras's
words, `clone_initializer`, `dtype_policy_config` (a quantized model reloads) and
`add_layout_rules`. Where Keras has no public API, this is the one place that uses
its private one: `Layer._flatten_layers` and `Layer._is_quantized`.
"""

import numbers
import re
from typing import Any

import keras


def invalid_value(name: str, value: Any, expected: str) -> ValueError:
    """Keras's error for an invalid argument: "Received an invalid value for
    `units`, expected a positive integer. Received: units=0"."""
    return ValueError(
        f"Received an invalid value for `{name}`, expected {expected}. "
        f"Received: {name}={value!r}"
    )


def check_integer(name: str, value: Any, low=None, high=None, none=False) -> None:
    """Refuses `value` unless it is an `int` (not a `bool`) from `low` to `high`,
    where given, or `None` where `none`."""
    ok = isinstance(value, int) and in_range(value, low, high, None)
    if not ok and not (none and value is None):
        expected = expected_number("integer", low, high, None, none)
        raise invalid_value(name, value, expected)


def check_number(
    name: str, value: Any, low=None, high=None, above=None, none=False
) -> None:
    """Refuses `value` unless it is an `int` or a `float` (not a `bool`) from
    `low` to `high` and above `above`, where given, or `None` where `none`."""
    ok = isinstance(value, (int, float)) and in_range(value, low, high, above)
    if not ok and not (none and value is None):
        expected = expected_number("float", low, high, above, none)
        raise invalid_value(name, value, expected)


def in_range(value: Any, low: Any, high: Any, above: Any) -> bool:
    return not isinstance(value, bool) and (
        (low is None or value >= low)
        and (high is None or value <= high)
        and (above is None or value > above)
    )


def expected_number(noun: str, low: Any, high: Any, above: Any, none: bool) -> str:
    """What a valid number is, in Keras's words: "a positive integer"."""
    article = "an" if noun == "integer" else "a"
    bound = low if low is not None else above
    text = f"{article} {noun}"
    if high is not None and bound is not None:
        text = f"{article} {noun} between {bound} and {high}"
    elif above == 0 or (noun == "integer" and low == 1):
        text = f"a positive {noun}"
    elif low == 0:
        text = f"a non-negative {noun}"
    elif bound is not None:
        text = f"{article} {noun} {'>' if low is None else '>='} {bound}"
    elif high is not None:
        text = f"{article} {noun} <= {high}"
    return f"{text} or None" if none else text


def check_boolean(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise invalid_value(name, value, "a boolean")


def check_string(name: str, value: Any, choices: tuple[str, ...] = ()) -> None:
    """Refuses `value` unless it is a `str`, one of `choices` where given."""
    if not isinstance(value, str) or (choices and value not in choices):
        expected = f"one of {', '.join(choices)}" if choices else "a string"
        raise invalid_value(name, value, expected)


def check_layer(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, keras.layers.Layer):
        raise invalid_value(name, value, "a Keras layer or None")


def int_tuple(
    name: str,
    value: Any,
    expected: str,
    length: int | None = None,
    low: int | None = None,
    high: int | None = None,
) -> tuple[int, ...]:
    """`value`, integers (NumPy's too) from `low` to `high`, `length` of them (one
    then stands for all, as in a `Conv2D`), as a tuple of ints: the config is JSON."""
    values = (value,) * length if length and is_integral(value) else value
    if (
        not isinstance(values, (tuple, list))
        or not values
        or not all(is_integral(item) for item in values)
        or (length is not None and len(values) != length)
        or (low is not None and min(values) < low)
        or (high is not None and max(values) > high)
    ):
        raise invalid_value(name, value, expected)
    return tuple(int(item) for item in values)


def is_integral(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def layer_list(name: str, value: Any, dtype_policy: Any) -> list[Any]:
    """`value`, a non-empty list of Keras layers or their configs (from
    `keras.layers.serialize`), as layers: a config is built with `dtype_policy`,
    a layer keeps its own."""
    if not (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(item, (keras.layers.Layer, dict)) for item in value)
    ):
        expected = "a non-empty list of Keras layers or layer configs"
        raise invalid_value(name, value, expected)
    layers = []
    for item in value:
        if isinstance(item, dict):
            try:
                config = {**item["config"], "dtype": dtype_policy}
                item = keras.layers.deserialize({**item, "config": config})
            except (KeyError, TypeError, ValueError) as error:
                expected = "a layer config from `keras.layers.serialize`"
                raise invalid_value(name, value, expected) from error
        layers.append(item)
    return layers


def clone_initializer(initializer: Any) -> Any:
    """A copy of `initializer` for one sub-layer (a shared one repeats its values);
    a function wrapped, as `MultiHeadAttention` copies one through its config."""
    if not isinstance(initializer, keras.initializers.Initializer):
        return FunctionInitializer(initializer)
    return initializer.__class__.from_config(initializer.get_config())


class FunctionInitializer(keras.initializers.Initializer):
    def __init__(self, function: Any) -> None:
        self.function = function

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return self.function(shape, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"function": self.function}


def dtype_policy_config(layer: keras.layers.Layer) -> dict[str, Any]:
    """`layer`'s dtype policy for `get_config`: quantized, a `DTypePolicyMap` of
    each quantized sub-layer's policy, keyed by its path below `layer` under any
    outer path (paths change when a model reloads), as keras-hub's `Backbone`."""
    policy = layer.dtype_policy
    if not isinstance(policy, keras.dtype_policies.DTypePolicyMap):
        quantized = keras.dtype_policies.DTypePolicyMap(default_policy=policy)
        prefix = f"{layer.path}/"
        for sub in layer._flatten_layers(include_self=False):
            if sub.quantization_mode is not None and sub.path.startswith(prefix):
                below = sub.path.removeprefix(prefix)
                key = "(.*/)?" + re.escape(f"{layer.name}/{below}")
                quantized[key] = sub.dtype_policy
        policy = quantized if len(quantized) else policy
    return keras.dtype_policies.serialize(policy)


def mark_quantized(layer: keras.layers.Layer) -> None:
    """Tells Keras that `layer` holds its quantized weights: its dtype policy may
    then name the quantization mode without quantizing it again."""
    layer._is_quantized = True


def add_layout_rules(
    device_mesh: keras.distribution.DeviceMesh,
    layout_map: keras.distribution.LayoutMap | None,
    rules: dict[str, tuple[str | None, ...]],
) -> keras.distribution.LayoutMap:
    """`layout_map` (new over `device_mesh` when `None`) with `rules`, each a regex
    over variable paths and the mesh axis of each dimension (`None`: not split);
    a rule already in the map with other axes raises `ValueError`."""
    if layout_map is None:
        layout_map = keras.distribution.LayoutMap(device_mesh)
    # The keys themselves: `key in layout_map` matches `key` as a path.
    keys = list(layout_map)
    for key, axes in rules.items():
        if key not in keys:
            layout_map[key] = axes
        elif tuple(layout_map[key].axes) != tuple(axes):
            raise ValueError(
                f"The layout map already holds '{key}' as "
                f"{tuple(layout_map[key].axes)}, not {tuple(axes)}."
            )
    return layout_map
