"""A defect `check` missed (issue 23): sub-layers created in `build()` and never
built there (keras-hub's EdRec layers). After `build(input_shape)` the layer owns
no weights; they appear only on the first call. KS205."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class GatedFeedForward(keras.layers.Layer):
    def __init__(self, hidden_dim=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim

    def build(self, input_shape):
        self.up_proj = keras.layers.Dense(
            self.hidden_dim, dtype=self.dtype_policy, name="up_proj"
        )
        self.down_proj = keras.layers.Dense(
            input_shape[-1], dtype=self.dtype_policy, name="down_proj"
        )

    def call(self, inputs):
        return self.down_proj(keras.activations.gelu(self.up_proj(inputs)))

    def get_config(self):
        return {**super().get_config(), "hidden_dim": self.hidden_dim}
