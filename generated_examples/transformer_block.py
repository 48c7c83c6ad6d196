from collections.abc import Callable
from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class TransformerBlock(keras.layers.Layer):
    """Transformer encoder block: self-attention, then a feed-forward network.

    This layer maps a sequence of token vectors to a sequence of the same
    shape, as keras-hub's `TransformerEncoder` does: a self-attention block
    (`keras.layers.MultiHeadAttention`) and a feed-forward block
    (`Dense(intermediate_dim, activation)`, `Dropout`, `Dense(hidden_dim)`), each
    ending in dropout and a residual connection, with layer normalization before
    each block (pre-norm, the default: stable in deep stacks without warm-up)
    or after each residual addition (post-norm, `norm_first=False`: the original
    Transformer's and BERT's).

    Masks: `padding_mask` marks the real tokens of each sequence (without it,
    the inputs' mask is used) and is merged with `attention_mask`, so that no
    token attends to padding. The mask that comes with the inputs, or one
    passed as `mask=`, is kept on the outputs for the layers after.

    **Intent**: a transformer encoder block for sequences of token vectors, made
    of Keras built-in layers.

    **Architecture** (`norm`: a `LayerNormalization` with `norm_first`, else none):
    ```
    x = inputs                                   (batch, seq_len, hidden_dim)
    mask = merge(padding_mask, attention_mask)   (batch, seq_len, seq_len)
    y = MultiHeadAttention(norm(x), mask)
    x = x + Dropout(y)                           then LayerNorm without norm_first
    y = Dropout(Dense(intermediate_dim, activation)(norm(x)))
    x = x + Dropout(Dense(hidden_dim)(y))        then LayerNorm without norm_first
    outputs = x                                  (batch, seq_len, hidden_dim)
    ```

    Args:
        hidden_dim: Positive integer. Size of each token vector, the last input
            dimension. Must be divisible by `num_heads`. Required.
        intermediate_dim: Positive integer. Width of the feed-forward network's
            hidden layer. Required.
        num_heads: Positive integer. Number of attention heads, each of size
            `hidden_dim // num_heads`. Defaults to `2`.
        dropout_rate: Float between 0 and 1. Dropout rate on the attention weights,
            the feed-forward hidden layer and each block's output. Defaults to `0.1`.
        activation: Activation function, or its name. Activation of the feed-forward
            network's hidden layer. Defaults to `"relu"`.
        layer_norm_epsilon: Positive float. Small float added to the variance in
            layer normalization. Defaults to `1e-05`.
        norm_first: Boolean. Whether layer normalization comes before each block
            (pre-norm, as in GPT-2 and ViT) rather than after its residual addition
            (post-norm, as in the original Transformer and BERT). Defaults to `True`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor, of shape `(batch_size, seq_len, hidden_dim)`.
        padding_mask: Optional boolean tensor of shape `(batch_size, seq_len)`,
            `True` at the real tokens. Defaults to `None`: the inputs' mask.
        attention_mask: Optional boolean tensor of shape
            `(batch_size, seq_len, seq_len)`, `True` where a position may attend
            to another (`ops.tril` of ones for causal attention). Defaults to
            `None`: every position attends to every real token.
        training: Python boolean, whether the call is in training mode (dropout
            applied) or in inference mode.
        mask: The inputs' mask, which Keras passes, or one passed as `mask=`:
            the padding mask where `padding_mask` is not given.

    Input shape:
        3D tensor with shape `(batch_size, seq_len, hidden_dim)`.

    Output shape:
        3D tensor with shape `(batch_size, seq_len, hidden_dim)`.

    Attributes:
        The sub-layers, private and named after their role: `_self_attention_`
        `layer_norm`, `layer` and `dropout`; `_feedforward_` `layer_norm`,
        `intermediate_dense`, `intermediate_dropout`, `output_dense` and
        `output_dropout`.

    Example:

    ```python
    layer = TransformerBlock(hidden_dim=8, intermediate_dim=16)
    outputs = layer(keras.random.normal((2, 4, 8)))
    ```

    Raises:
        ValueError: If an argument is not as `Args` describes it.
        ValueError: If `hidden_dim` is below 2.
        ValueError: If `dropout_rate` is 1.
        ValueError: If `hidden_dim` is not divisible by `num_heads`.
    """

    def __init__(
        self,
        hidden_dim: int,
        intermediate_dim: int,
        num_heads: int = 2,
        dropout_rate: float = 0.1,
        activation: str | Callable[..., Any] | None = "relu",
        layer_norm_epsilon: float = 1e-05,
        norm_first: bool = True,
        **kwargs: Any,
    ) -> None:
        support.check_integer("hidden_dim", hidden_dim, low=1)
        support.check_integer("intermediate_dim", intermediate_dim, low=1)
        support.check_integer("num_heads", num_heads, low=1)
        support.check_number("dropout_rate", dropout_rate, low=0, high=1)
        support.check_number("layer_norm_epsilon", layer_norm_epsilon, above=0)
        support.check_boolean("norm_first", norm_first)
        if hidden_dim < 2:
            raise ValueError(
                "`hidden_dim` must be at least 2: the normalization of one feature "
                f"is a constant. Received: hidden_dim={hidden_dim}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every unit. "
                f"Received: dropout_rate={dropout_rate}"
            )
        if hidden_dim % num_heads:
            raise ValueError(
                "`hidden_dim` must be divisible by `num_heads`. Received: "
                f"hidden_dim={hidden_dim}, num_heads={num_heads}"
            )
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.num_heads = num_heads
        self.dropout_rate = dropout_rate
        self.activation = keras.activations.get(activation)
        self.layer_norm_epsilon = layer_norm_epsilon
        self.norm_first = norm_first
        self.input_spec = keras.InputSpec(ndim=3, axes={-1: hidden_dim})
        self.supports_masking = True

        # Sub-layers, created here once with this layer's dtype policy, each
        # named; `build()` builds them in call order.
        self._self_attention_layer_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon,
            dtype=self.dtype_policy,
            name="self_attention_layer_norm",
        )
        self._self_attention_layer = keras.layers.MultiHeadAttention(
            num_heads=self.num_heads,
            key_dim=self.hidden_dim // self.num_heads,
            dropout=self.dropout_rate,
            dtype=self.dtype_policy,
            name="self_attention_layer",
        )
        self._self_attention_dropout = keras.layers.Dropout(
            self.dropout_rate, dtype=self.dtype_policy, name="self_attention_dropout"
        )
        self._feedforward_layer_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon,
            dtype=self.dtype_policy,
            name="feedforward_layer_norm",
        )
        self._feedforward_intermediate_dense = keras.layers.Dense(
            self.intermediate_dim,
            activation=self.activation,
            dtype=self.dtype_policy,
            name="feedforward_intermediate_dense",
        )
        self._feedforward_intermediate_dropout = keras.layers.Dropout(
            self.dropout_rate,
            dtype=self.dtype_policy,
            name="feedforward_intermediate_dropout",
        )
        self._feedforward_output_dense = keras.layers.Dense(
            self.hidden_dim, dtype=self.dtype_policy, name="feedforward_output_dense"
        )
        self._feedforward_output_dropout = keras.layers.Dropout(
            self.dropout_rate,
            dtype=self.dtype_policy,
            name="feedforward_output_dropout",
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Each sub-layer in call order, with the shape it receives.
        self._self_attention_layer_norm.build(input_shape)
        self._self_attention_layer.build(input_shape, input_shape)
        self._self_attention_dropout.build(input_shape)
        self._feedforward_layer_norm.build(input_shape)
        self._feedforward_intermediate_dense.build(input_shape)
        intermediate_shape = tuple(input_shape[:-1]) + (self.intermediate_dim,)
        self._feedforward_intermediate_dropout.build(intermediate_shape)
        self._feedforward_output_dense.build(intermediate_shape)
        self._feedforward_output_dropout.build(input_shape)

    def call(
        self,
        inputs: Any,
        padding_mask: Any | None = None,
        attention_mask: Any | None = None,
        training: bool | None = None,
        mask: Any | None = None,
    ) -> Any:
        padding_mask = mask if padding_mask is None else padding_mask
        if padding_mask is not None:
            # Every query attends to the real tokens only.
            padding = ops.expand_dims(ops.cast(padding_mask, "bool"), axis=1)
            if attention_mask is not None:
                padding = ops.logical_and(padding, ops.cast(attention_mask, "bool"))
            attention_mask = padding

        # Self attention block.
        x = inputs
        residual = x
        if self.norm_first:
            x = self._self_attention_layer_norm(x)
        x = self._self_attention_layer(
            x, x, attention_mask=attention_mask, training=training
        )
        x = ops.add(self._self_attention_dropout(x, training=training), residual)
        if not self.norm_first:
            x = self._self_attention_layer_norm(x)

        # Feedforward block.
        residual = x
        if self.norm_first:
            x = self._feedforward_layer_norm(x)
        x = self._feedforward_intermediate_dense(x)
        x = self._feedforward_intermediate_dropout(x, training=training)
        x = self._feedforward_output_dense(x)
        x = ops.add(self._feedforward_output_dropout(x, training=training), residual)
        if not self.norm_first:
            x = self._feedforward_layer_norm(x)
        return x

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
        config = {
            "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "num_heads": self.num_heads,
            "dropout_rate": self.dropout_rate,
            "activation": keras.activations.serialize(self.activation),
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "norm_first": self.norm_first,
        }
        return {**base_config, **config}

    @staticmethod
    def get_layout_map(
        device_mesh: keras.distribution.DeviceMesh,
        model_parallel_dim_name: str = "model",
        data_parallel_dim_name: str = "batch",
        layout_map: keras.distribution.LayoutMap | None = None,
    ) -> keras.distribution.LayoutMap:
        """Adds the rules below, which shard this layer's weights for
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one)."""
        model, data = model_parallel_dim_name, data_parallel_dim_name
        rules = {
            ".*/self_attention_layer/(query|key|value)/kernel": (data, model, None),
            ".*/self_attention_layer/attention_output/kernel": (model, None, data),
            ".*/feedforward_intermediate_dense/kernel": (data, model),
            ".*/feedforward_output_dense/kernel": (model, data),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
