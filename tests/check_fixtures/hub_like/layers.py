"""Layers shaped like keras-hub's (written here, not copied): what `check --run`
must run without a false finding, given the settings in pyproject.toml beside."""

import math

import keras


@keras.saving.register_keras_serializable(package="hub_like")
class CrossAttention(keras.layers.Layer):
    """Attends from `inputs` to a second call input, `context` (as keras-hub's
    CachedMultiHeadAttention takes `value`)."""

    def __init__(self, num_heads=2, key_dim=4, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.attention = keras.layers.MultiHeadAttention(
            num_heads, key_dim, dtype=self.dtype_policy, name="attention"
        )

    def build(self, inputs_shape, context_shape=None):
        self.attention.build(inputs_shape, context_shape or inputs_shape)

    def call(self, inputs, context):
        return self.attention(inputs, context)

    def get_config(self):
        config = {"num_heads": self.num_heads, "key_dim": self.key_dim}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="hub_like")
class GatherHead(keras.layers.Layer):
    """Projects the features at `positions` (int ids below the sequence length), as
    keras-hub's MaskedLMHead takes `mask_positions`."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units, dtype=self.dtype_policy, name="dense")

    def build(self, inputs_shape, positions_shape=None):
        self.dense.build(inputs_shape)

    def call(self, inputs, positions):
        picked = keras.ops.take_along_axis(
            inputs, keras.ops.expand_dims(positions, -1), axis=1
        )
        return self.dense(picked)

    def compute_output_shape(self, inputs_shape, positions_shape=None):
        return (inputs_shape[0], None, self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="hub_like")
class SinusoidalPositions(keras.layers.Layer):
    """No weights: built in `__init__`, as keras-hub's SinePositionEncoding."""

    def __init__(self, max_wavelength=10000, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = max_wavelength
        self.built = True

    def call(self, inputs):
        length = keras.ops.shape(inputs)[1]
        width = keras.ops.shape(inputs)[-1]
        positions = keras.ops.cast(keras.ops.arange(length), self.compute_dtype)
        rates = keras.ops.power(
            keras.ops.cast(self.max_wavelength, self.compute_dtype),
            -keras.ops.cast(keras.ops.arange(width), self.compute_dtype)
            / keras.ops.cast(width, self.compute_dtype),
        )
        angles = keras.ops.expand_dims(positions, -1) * rates
        return keras.ops.broadcast_to(keras.ops.sin(angles), keras.ops.shape(inputs))

    def get_config(self):
        return {**super().get_config(), "max_wavelength": self.max_wavelength}


@keras.saving.register_keras_serializable(package="hub_like")
class HeadBias(keras.layers.Layer):
    """A bias per attention head on scores of shape (batch, heads, queries, keys):
    the heads axis is no time axis, and Python reads its size (as keras-hub's
    AlibiBias does)."""

    def call(self, inputs):
        heads = inputs.shape[1]
        slopes = [1.0 / math.pow(2, 8 * (index + 1) / heads) for index in range(heads)]
        slopes = keras.ops.reshape(keras.ops.convert_to_tensor(slopes), (heads, 1, 1))
        return inputs + keras.ops.cast(slopes, inputs.dtype)


@keras.saving.register_keras_serializable(package="hub_like")
class LearnedPositions(keras.layers.Layer):
    """A learned vector per position, up to `sequence_length`: a longer sequence
    is refused (as keras-hub's PositionEmbedding)."""

    def __init__(self, sequence_length, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = sequence_length

    def build(self, inputs_shape):
        self.table = self.add_weight(
            shape=(self.sequence_length, inputs_shape[-1]), name="table"
        )

    def call(self, inputs):
        length = keras.ops.shape(inputs)[1]
        table = keras.ops.convert_to_tensor(self.table)
        return inputs + keras.ops.slice(table, (0, 0), (length, inputs.shape[-1]))

    def get_config(self):
        return {**super().get_config(), "sequence_length": self.sequence_length}
