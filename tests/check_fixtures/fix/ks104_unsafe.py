"""Layers whose KS104 finding has no safe fix: an argument stored transformed by a
function `check` does not know (unsafe: `--unsafe-fixes` stores the attribute), and
arguments it cannot store (not kept, kept inside a sub-layer or a seed generator:
no fix)."""

import keras


def standardize_format(data_format):
    return (data_format or keras.config.image_data_format()).lower()


@keras.saving.register_keras_serializable(package="fix104")
class Normalized(keras.layers.Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_format(data_format)

    def call(self, inputs):
        return inputs

    def get_config(self):
        base_config = super().get_config()
        config = {}
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="fix104")
class Kept(keras.layers.Layer):
    def __init__(self, hidden_dim=8, dropout=0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(hidden_dim, dtype=self.dtype_policy)
        self.dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs, training=None):
        return self.dropout(self.dense(inputs), training=training)

    def get_config(self):
        return {**super().get_config()}
