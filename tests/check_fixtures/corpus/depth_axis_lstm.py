"""A KS601 false alarm on k3-node 1.0.0 (MIT,
`k3_node/models/jumping_knowledge.py:105`):
`JumpingKnowledge` stacks a list of node representations, one per GNN layer, and
runs its LSTM over that depth axis. The axis is made in `call`, from tensors that
are not sequences: no Keras mask ever reaches the LSTM, and the output has no time
axis. Shortened; `get_config`, registration and the dtype policy added."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="fixtures")
class JumpingKnowledge(keras.layers.Layer):
    def __init__(self, channels=4, num_layers=3, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.num_layers = num_layers
        self.lstm = keras.layers.Bidirectional(
            keras.layers.LSTM(
                (num_layers * channels) // 2,
                return_sequences=True,
                dtype=self.dtype_policy,
            ),
            merge_mode="concat",
            dtype=self.dtype_policy,
        )
        self.att = keras.layers.Dense(1, use_bias=False, dtype=self.dtype_policy)

    def build(self, input_shape):
        depth = (input_shape[0][0], len(input_shape), input_shape[0][-1])
        self.lstm.build(depth)
        self.att.build(self.lstm.compute_output_shape(depth))

    def call(self, xs):
        x = ops.stack(xs, axis=1)  # [num_nodes, num_layers, num_channels]
        alpha = self.lstm(x)
        alpha = ops.squeeze(self.att(alpha), axis=-1)
        alpha = ops.softmax(alpha, axis=-1)
        return ops.sum(x * ops.expand_dims(alpha, axis=-1), axis=1)

    def get_config(self):
        config = {"channels": self.channels, "num_layers": self.num_layers}
        return {**super().get_config(), **config}
