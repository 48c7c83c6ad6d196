"""A false alarm `check` gave (issue 23, `rank` in Keras's `BaseConv`): an
argument every subclass fixes in its `super().__init__` call is not in the base's
config, and need not be: loading calls the subclass's `__init__`, which fixes it
again. KS104 stays quiet. The subclass is in another file (`pooling.py`)."""

import keras
from keras import ops


class BasePooling(keras.layers.Layer):
    def __init__(self, rank, mode="max", **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.mode = mode

    def call(self, inputs):
        axes = tuple(range(1, 1 + self.rank))
        if self.mode == "max":
            return ops.max(inputs, axis=axes)
        return ops.mean(inputs, axis=axes)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
