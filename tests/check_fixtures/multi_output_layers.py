"""Layers with more than one output, as `check --run` meets them: `call` returns a
tuple of two tensors or a dict of two, and `compute_output_shape` the shapes in the
same structure; `SplitProjection` keeps masks, one per output (`compute_mask`).
`SplitProjection` and `MeanAndScale` are correct; `BrokenSplit`'s config lacks
`gate_units`, which only its second output reads (tests/test_check_run.py)."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class SplitProjection(keras.layers.Layer):
    """Two projections of the inputs, of different widths, as a tuple."""

    def __init__(self, units=4, gate_units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.gate_units = gate_units
        self.supports_masking = True  # position by position: each output keeps it

    def build(self, input_shape):
        features = input_shape[-1]
        self.value_kernel = self.add_weight(shape=(features, self.units))
        self.gate_kernel = self.add_weight(shape=(features, self.gate_units))

    def call(self, inputs):
        value = keras.ops.matmul(inputs, self.value_kernel)
        gate = keras.ops.sigmoid(keras.ops.matmul(inputs, self.gate_kernel))
        return value, gate

    def compute_mask(self, inputs, mask=None):
        # One mask per output: Keras gives a single mask to the first output only.
        return None if mask is None else (mask, mask)

    def compute_output_shape(self, input_shape):
        return (
            (*input_shape[:-1], self.units),
            (*input_shape[:-1], self.gate_units),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "gate_units": self.gate_units,
        }


@keras.saving.register_keras_serializable(package="fixtures")
class MeanAndScale(keras.layers.Layer):
    """A location and a positive scale, as a dict."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        features = input_shape[-1]
        self.mean_kernel = self.add_weight(shape=(features, self.units))
        self.scale_kernel = self.add_weight(shape=(features, self.units))

    def call(self, inputs):
        return {
            "mean": keras.ops.matmul(inputs, self.mean_kernel),
            "scale": keras.ops.softplus(keras.ops.matmul(inputs, self.scale_kernel)),
        }

    def compute_output_shape(self, input_shape):
        shape = (*input_shape[:-1], self.units)
        return {"mean": shape, "scale": shape}

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="fixtures")
class BrokenSplit(SplitProjection):
    """A tuple of two, whose config lacks the second output's width."""

    def get_config(self):
        return {**keras.layers.Layer.get_config(self), "units": self.units}
