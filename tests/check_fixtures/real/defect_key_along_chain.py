"""KS107 along a chain of subclasses, which `check` reads from each parent's
result (not the whole config again): `Scaled.get_config` writes `scale`, which
`Scaled.__init__` does not take, so loading a `Scaled` raises TypeError; its
subclass `Shifted` takes `scale` and loads. One finding, on `Scaled`."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Base(keras.layers.Layer):
    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs):
        return inputs * self.units

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="fixtures")
class Scaled(Base):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return super().call(inputs) * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.factor}


@keras.saving.register_keras_serializable(package="fixtures")
class Shifted(Scaled):
    def __init__(self, scale=1.0, shift=0.0, **kwargs):
        super().__init__(**kwargs)
        self.shift = shift

    def call(self, inputs):
        return super().call(inputs) + self.shift

    def get_config(self):
        return {**super().get_config(), "shift": self.shift}
