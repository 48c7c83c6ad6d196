"""Layers whose `get_config` forgets `__init__` arguments (KS104), each in a form
people write it: a dict literal returned, `config.update({...})`, `config[key] =
...`, `config.update(key=...)`. `check --fix` adds the keys
(tests/test_check_fix.py)."""

import keras
from keras import activations


@keras.saving.register_keras_serializable(package="fix104")
class Literal(keras.layers.Layer):
    """A dict literal, one key a line, a comment after the last."""

    def __init__(self, units=4, use_bias=True, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.use_bias = use_bias  # kept as given
        self.scale = scale

    def call(self, inputs):
        return inputs * self.scale

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,  # the width
        }


@keras.saving.register_keras_serializable(package="fix104")
class Updated(keras.layers.Layer):
    """`config.update({...})`, with an activation and an initializer read with
    Keras's `get`, which the config must hold serialized."""

    def __init__(
        self, rate=0.5, activation="relu", kernel_initializer="zeros", **kwargs
    ):
        super().__init__(**kwargs)
        self.rate = rate
        self.activation = activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1],), initializer=self.kernel_initializer
        )

    def call(self, inputs):
        return self.activation(inputs * self.kernel) * self.rate

    # fmt: off
    def get_config(self):
        config = super().get_config()
        config.update({
            'rate': self.rate,  # single quotes, kept
        })
        return config
    # fmt: on


@keras.saving.register_keras_serializable(package="fix104")
class Subscript(keras.layers.Layer):
    """`config[key] = value`, an argument kept under another name, one as a bool."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self._epsilon = epsilon
        self.center = bool(center)

    def call(self, inputs):
        mean = keras.ops.mean(inputs, axis=self.axis, keepdims=True)
        centered = inputs - mean if self.center else inputs
        return centered / (1.0 + self._epsilon)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        # the end of the config
        return config


@keras.saving.register_keras_serializable(package="fix104")
class Keywords(keras.layers.Layer):
    """`config.update(key=value)`, and a required argument."""

    def __init__(self, factor, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor
        self.offset = offset

    def call(self, inputs):
        return inputs * self.factor + self.offset

    def get_config(self):
        config = super().get_config()
        config.update(offset=self.offset)
        return config
