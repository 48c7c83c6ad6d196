"""A defect `check` missed (issue 23, 48 places in keras-hub 0.32.0): a sub-layer
given `dtype=self.dtype`. `self.dtype` is the layer's variable dtype, float32 under
`mixed_float16`, so the sub-layer computes in float32 and the layer's output is
float32 where float16 is due. KS203."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Projection(keras.layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units, dtype=self.dtype, name="dense")

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        return self.dense(inputs)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
