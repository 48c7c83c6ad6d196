"""A message that understated (issue 23): a required `__init__` argument missing
from `get_config` was said to make "a loaded layer get its default"; there is no
default, and `load_model` raises TypeError. KS104."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Scale(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return super().get_config()
