"""A false alarm `check` gave (issue 23, 11 of 34 KS205 findings on keras-hub):
a sub-layer built in `__init__`, where the input width is an argument. After
`build(input_shape)` every weight is there; KS205 stays quiet."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Embedder(keras.layers.Layer):
    def __init__(self, input_dim=3, hidden_dim=4, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.hidden_dim = hidden_dim
        self.in_layer = keras.layers.Dense(
            hidden_dim, dtype=self.dtype_policy, name="in_layer"
        )
        self.in_layer.build((None, input_dim))

    def build(self, input_shape):
        pass  # built in `__init__`, from `input_dim`

    def call(self, inputs):
        return self.in_layer(inputs)

    def get_config(self):
        config = {"input_dim": self.input_dim, "hidden_dim": self.hidden_dim}
        return {**super().get_config(), **config}
