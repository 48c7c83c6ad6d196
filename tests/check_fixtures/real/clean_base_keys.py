"""A false alarm `check` gave (issue 23): a `get_config` that writes `name`,
`trainable` and `dtype` itself instead of merging `super().get_config()`. A loaded
layer keeps all three; KS105 stays quiet."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Offset(keras.layers.Layer):
    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, inputs):
        return inputs + self.offset

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "offset": self.offset,
        }
