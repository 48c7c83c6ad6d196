"""A defect `check` missed (issue 23): `get_config` writes a key `__init__` does
not take (`key_dim`, computed from the arguments, as keras-hub's ViT layers do).
Loading calls `__init__(**config)`, so `load_model` raises TypeError. KS107."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Heads(keras.layers.Layer):
    def __init__(self, hidden_dim=8, num_heads=2, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.key_dim = hidden_dim // num_heads

    def call(self, inputs):
        return inputs * self.key_dim

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_dim": self.hidden_dim,
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
            }
        )
        return config
