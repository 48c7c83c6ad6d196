"""A defect `check` missed (issue 23): `__init__` without `**kwargs`, as the public
`keras_hub.layers.RMSNormalization` of keras-hub 0.32.0. Keras's automatic config
adds `trainable` and `dtype`, which `__init__` does not take, so `load_model`
raises TypeError. KS107."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="fixtures")
class RMSNormalization(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.scale = self.add_weight(
            name="scale", shape=(input_dim,), initializer="ones"
        )

    def call(self, x):
        rms = ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + 1e-6)
        return x * rms * self.scale
