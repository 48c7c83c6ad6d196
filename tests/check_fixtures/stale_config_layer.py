"""A layer whose `get_config` keeps one argument at its default: a saved layer
reloads with no penalty whatever it was given. Outputs never read the penalty, so
a round trip computes the same outputs and gives the same config again; only
comparing the config with a layer left at the default shows the argument lost."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="fixtures")
class PenalizedDense(keras.layers.Layer):
    """A dense layer that adds an L2 penalty on its kernel to the model's losses.

    Args:
        units: int. Dimensionality of the output space. Defaults to `4`.
        penalty: float. Weight of the kernel's L2 penalty. Defaults to `0.0`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, units=4, penalty=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.penalty = penalty

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        if self.penalty:
            self.add_loss(self.penalty * ops.sum(ops.square(self.kernel)))
        return ops.matmul(inputs, ops.cast(self.kernel, inputs.dtype)) + ops.cast(
            self.bias, inputs.dtype
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        # The defect: the default, where `self.penalty` belongs.
        config.update({"units": self.units, "penalty": 0.0})
        return config
