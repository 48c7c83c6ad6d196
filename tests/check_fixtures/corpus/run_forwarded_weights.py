"""A `check --run` false finding on keras-rs 0.4.0 (Apache-2.0,
`keras_rs/src/layers/embedding/embed_reduce.py:91`), `EmbedReduce`, shortened: KS901
"get_config() lacks ['weights']". `weights` (initial weights, default None) goes to
Keras's own `Embedding.__init__`, which never puts it in its config: loading
replaces the weights anyway."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class EmbedReduce(keras.layers.Embedding):
    def __init__(
        self, input_dim=10, output_dim=4, weights=None, combiner="mean", **kwargs
    ):
        super().__init__(input_dim, output_dim, weights=weights, **kwargs)
        self.combiner = combiner

    def call(self, inputs):
        x = super().call(inputs)
        return keras.ops.mean(x, axis=-2) if self.combiner == "mean" else x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "combiner": self.combiner}
