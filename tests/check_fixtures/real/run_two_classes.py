import keras


@keras.saving.register_keras_serializable(package="demo")
class NeedsSequence(keras.layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        batch, steps, width = input_shape
        self.kernel = self.add_weight(shape=(width, self.units))

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="demo")
class DropsNorm(keras.layers.Layer):
    def __init__(self, units=4, use_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.use_norm = use_norm

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, inputs):
        out = keras.ops.matmul(inputs, self.kernel)
        return keras.ops.tanh(out) if self.use_norm else out

    def get_config(self):
        return {**super().get_config(), "units": self.units}
