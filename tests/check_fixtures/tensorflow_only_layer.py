"""A layer that is right on TensorFlow and fails on JAX and PyTorch: its `call`
uses `tf.math` where `keras.ops` would run on every backend (KS301 statically)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="fixtures")
class TensorFlowOnlyLayer(keras.layers.Layer):
    """Softplus of a scaled input.

    Args:
        scale: float. The factor applied before the softplus. Defaults to `2.0`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.supports_masking = True

    def call(self, inputs):
        return tf.math.softplus(inputs * self.scale)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config
