"""KS205 and KS202 false alarms: sub-layers that build themselves in their own
`__init__`, so they have their weights whatever the parent's `build()` does.

- keras-cv 0.9.0 (Apache-2.0), `keras_cv/src/layers/vit_det_layers.py:76` and
  `:241`: `AddRelativePositionalEmbedding` makes its weights in `__init__` and sets
  `self.built = True`; `MultiHeadAttentionWithRelativePE` holds one and its
  `build()` does not build it (KS205 said it had no weights after `build()`).
- k3-node 1.0.0 (MIT), `k3_node/applications/materials/core.py:84`, `:121` and
  `megnet.py:15`: `MLP` and `GatedMLP` build each `Dense` on a local name in
  `__init__`; `MEGNetGraphConv` holds `MLP`s and has no `build()` (KS202).
Shortened; `get_config` and the dtype policy added, so that nothing else is
reported."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="fixtures")
class AddRelativePositionalEmbedding(keras.layers.Layer):
    def __init__(self, input_size=(2, 2), key_dim=4, **kwargs):
        super().__init__(**kwargs)
        self.input_size = input_size
        self.key_dim = key_dim
        self.rel_pos_h = self.add_weight(
            name="rel_pos_h",
            shape=(2 * self.input_size[0] - 1, self.key_dim),
            initializer="zeros",
        )
        self.built = True

    def call(self, attention_map):
        return attention_map + ops.sum(self.rel_pos_h)

    def get_config(self):
        config = {"input_size": self.input_size, "key_dim": self.key_dim}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="fixtures")
class MultiHeadAttentionWithRelativePE(keras.layers.Layer):
    def __init__(self, key_dim=4, input_size=(2, 2), **kwargs):
        super().__init__(**kwargs)
        self.key_dim = key_dim
        self.input_size = input_size
        self.qkv = keras.layers.Dense(key_dim, dtype=self.dtype_policy)
        self.add_decomposed_reative_pe = AddRelativePositionalEmbedding(
            input_size, key_dim, dtype=self.dtype_policy
        )

    def build(self, input_shape):
        self.qkv.build(input_shape)

    def call(self, x):
        return self.add_decomposed_reative_pe(self.qkv(x))

    def get_config(self):
        config = {"key_dim": self.key_dim, "input_size": self.input_size}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="fixtures")
class MLP(layers.Layer):
    def __init__(self, dims=(3, 4), **kwargs):
        super().__init__(**kwargs)
        self.dims = list(dims)
        self.dense_layers = []
        for i in range(len(self.dims) - 1):
            dense = layers.Dense(self.dims[i + 1], dtype=self.dtype_policy)
            if self.dims[i] is not None:
                dense.build((None, self.dims[i]))
            self.dense_layers.append(dense)

    def call(self, x):
        for layer in self.dense_layers:
            x = layer(x)
        return x

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


@keras.saving.register_keras_serializable(package="fixtures")
class GatedMLP(layers.Layer):
    def __init__(self, in_feats=3, dims=(4,), **kwargs):
        super().__init__(**kwargs)
        self.in_feats = in_feats
        self.dims = [in_feats, *dims]
        self.val_layers = []
        self.gate_layers = []
        for i in range(len(self.dims) - 1):
            val = layers.Dense(self.dims[i + 1], dtype=self.dtype_policy)
            gate = layers.Dense(self.dims[i + 1], dtype=self.dtype_policy)
            if self.dims[i] is not None:
                val.build((None, self.dims[i]))
                gate.build((None, self.dims[i]))
            self.val_layers.append(val)
            self.gate_layers.append(gate)

    def call(self, x):
        h_val, h_gate = x, x
        for val, gate in zip(self.val_layers, self.gate_layers, strict=True):
            h_val, h_gate = val(h_val), gate(h_gate)
        return h_val * ops.sigmoid(h_gate)

    def get_config(self):
        config = {"in_feats": self.in_feats, "dims": self.dims[1:]}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="fixtures")
class MEGNetGraphConv(layers.Layer):
    def __init__(self, edge_dims=(3, 4), node_dims=(3, 4), **kwargs):
        super().__init__(**kwargs)
        self.edge_dims = edge_dims
        self.node_dims = node_dims
        self.edge_func = MLP(edge_dims, dtype=self.dtype_policy)
        self.node_func = MLP(node_dims, dtype=self.dtype_policy)

    def call(self, x):
        return self.edge_func(x) + self.node_func(x)

    def get_config(self):
        config = {"edge_dims": self.edge_dims, "node_dims": self.node_dims}
        return {**super().get_config(), **config}
