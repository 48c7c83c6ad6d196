"""A defect `check` missed (issue 23): an `__init__` argument used as a layer
(stored, then built and called) with no type hint and no `get_config`. Keras's
automatic config holds only plain values, so `model.save` raises
NotImplementedError. KS103."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Residual(keras.layers.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def build(self, input_shape):
        self.inner.build(input_shape)

    def call(self, inputs):
        return inputs + self.inner(inputs)
