"""A defect no rule found on keras-cv 0.9.0 (Apache-2.0,
`keras_cv/src/layers/augmenter.py:20`): `Augmenter.__init__` never calls
`super().__init__()`. Its own `__call__` works, but `get_config()` (so `model.save`)
raises RuntimeError ("you forgot to call `super().__init__()`"). `Gate` skips the
call on one path (an early `return`), `Fine` raises on its other path (no layer is
made there), and `Delegating` returns what `super().__init__` returns, as keras-cv's
`SimCLRAugmenter` does."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Augmenter(keras.layers.Layer):
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, inputs):
        for layer in self.layers:
            inputs = layer(inputs)
        return inputs


@keras.saving.register_keras_serializable(package="fixtures")
class Gate(keras.layers.Layer):
    def __init__(self, open=True, **kwargs):
        self.open = open
        if not open:
            return
        super().__init__(**kwargs)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "open": self.open}


@keras.saving.register_keras_serializable(package="fixtures")
class Fine(keras.layers.Layer):
    def __init__(self, rate=0.5, **kwargs):
        if not 0 <= rate <= 1:
            raise ValueError(f"rate must be in [0, 1], got {rate}")
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        return inputs * self.rate

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@keras.saving.register_keras_serializable(package="fixtures")
class Delegating(keras.Sequential):
    def __init__(self, height=4, **kwargs):
        return super().__init__([keras.layers.Resizing(height, height)], **kwargs)
