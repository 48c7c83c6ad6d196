"""TransformerBlock: a transformer encoder block made of Keras built-in layers."""

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from keras_scaffold_support import (
    add_layout_rules,
    dtype_policy_config,
    get_keras_object,
    invalid_value,
    is_integer,
    is_number,
)


@keras.saving.register_keras_serializable(package="generated_examples")
class TransformerBlock(keras.layers.Layer):
    """Transformer encoder block: self-attention, then a feed-forward network.

    This layer maps a sequence of token vectors to a sequence of the same
    shape. A self-attention block (`keras.layers.MultiHeadAttention`) and
    a feed-forward block (`Dense(intermediate_dim, activation)`, `Dropout`,
    `Dense(hidden_dim)`) each end in dropout and a residual connection, with
    `keras.layers.LayerNormalization` before each block (pre-norm, the default)
    or after each residual addition (post-norm, `norm_first=False`). Pre-norm
    trains stably in deep stacks without learning-rate warm-up; post-norm is
    the original Transformer's and BERT's arrangement.

    Masks, as in keras-hub's `TransformerEncoder`: `padding_mask` marks the
    real tokens of each sequence; when it is not given, the mask that comes
    with the inputs (from `keras.layers.Embedding(mask_zero=True)` or
    `keras.layers.Masking`) is used. It is merged with `attention_mask`, so no
    token attends to padding, and it is kept on the outputs for the next layer
    (a `padding_mask` passed explicitly too, which keras-hub's block does not
    do), so a masked pooling after the block averages the real tokens only.
    Sequences may have any length: padding a sequence does not change the
    outputs at its real tokens.

    `hidden_dim` is an argument, not read from the input in `build()` as
    keras-hub does, because the sub-layers are created in `__init__` (the rule
    that makes `load_model` restore every weight) and `MultiHeadAttention` (its
    `key_dim`) and the last `Dense` (its `units`) need it there; `build()`
    checks that the input's last dimension matches it.

    **Intent**: a transformer encoder block for sequences of token vectors, made
    of Keras built-in layers.

    **Architecture** (lines marked "pre" run when `norm_first` is `True`, lines
    marked "post" when it is `False`):
    ```
    x = inputs                                   (batch, seq_len, hidden_dim)
    mask = merge(padding_mask, attention_mask)   (batch, seq_len, seq_len)
    # Self-attention block.
    y = LayerNorm(x)                             pre; post: y = x
    y = MultiHeadAttention(y, y, mask)           num_heads heads, each of
                                                 size hidden_dim // num_heads
    x = x + Dropout(y)
    x = LayerNorm(x)                             post
    # Feed-forward block.
    y = LayerNorm(x)                             pre; post: y = x
    y = Dropout(Dense(intermediate_dim, activation)(y))
    x = x + Dropout(Dense(hidden_dim)(y))
    x = LayerNorm(x)                             post
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
            network's hidden layer. Defaults to `"gelu"`.
        layer_norm_epsilon: Positive float. Small float added to the variance in
            layer normalization. Defaults to `1e-05`.
        norm_first: Boolean. Whether layer normalization comes before each block
            (pre-norm, as in GPT-2 and ViT) rather than after its residual addition
            (post-norm, as in the original Transformer and BERT). Defaults to `True`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor, of shape `(batch_size, seq_len, hidden_dim)`.
        padding_mask: Optional boolean tensor of shape `(batch_size, seq_len)`,
            `True` at the real tokens and `False` at padding. Defaults to
            `None`: the mask that comes with `inputs`, if any.
        attention_mask: Optional boolean tensor of shape
            `(batch_size, seq_len, seq_len)`, `True` where a position may attend
            to another (for example `ops.tril` of ones for causal attention).
            Defaults to `None`: every position attends to every real token.
        training: Python boolean, whether the call is in training mode (dropout
            applied) or in inference mode.
        mask: The mask that comes with `inputs`, passed by Keras; used as
            `padding_mask` when that is not given.

    Input shape:
        3D tensor with shape `(batch_size, seq_len, hidden_dim)`.

    Output shape:
        3D tensor with shape `(batch_size, seq_len, hidden_dim)`.

    Attributes:
        The sub-layers are private, named after their role: the self-attention
        block's `_self_attention_layer_norm`, `_self_attention_layer` and
        `_self_attention_dropout`; the feed-forward block's
        `_feedforward_layer_norm`, `_feedforward_intermediate_dense`,
        `_feedforward_intermediate_dropout`, `_feedforward_output_dense` and
        `_feedforward_output_dropout`.

    Example:

    ```python
    layer = TransformerBlock(
        hidden_dim=8,
        intermediate_dim=16,
    )
    outputs = layer(keras.random.normal((2, 4, 8)))
    ```

    Raises:
        ValueError: If `hidden_dim` is not a positive integer.
        ValueError: If `intermediate_dim` is not a positive integer.
        ValueError: If `num_heads` is not a positive integer.
        ValueError: If `dropout_rate` is not a float between 0 and 1.
        ValueError: If `activation` is not a Keras activation or its name.
        ValueError: If `layer_norm_epsilon` is not a positive float.
        ValueError: If `norm_first` is not a boolean.
        ValueError: If `hidden_dim` is below 2.
        ValueError: If `dropout_rate` is 1.
        ValueError: If `hidden_dim` is not divisible by `num_heads`.
        ValueError: If the last dimension of the input is not `hidden_dim`.
    """

    def __init__(
        self,
        hidden_dim: int,
        intermediate_dim: int,
        num_heads: int = 2,
        dropout_rate: float = 0.1,
        activation: str | Callable[..., Any] | None = "gelu",
        layer_norm_epsilon: float = 1e-05,
        norm_first: bool = True,
        **kwargs: Any,
    ) -> None:
        if not is_integer(hidden_dim, low=1):
            raise invalid_value("hidden_dim", hidden_dim, "a positive integer")
        if not is_integer(intermediate_dim, low=1):
            raise invalid_value(
                "intermediate_dim", intermediate_dim, "a positive integer"
            )
        if not is_integer(num_heads, low=1):
            raise invalid_value("num_heads", num_heads, "a positive integer")
        if not is_number(dropout_rate, low=0, high=1):
            raise invalid_value("dropout_rate", dropout_rate, "a float between 0 and 1")
        if not is_number(layer_norm_epsilon, above=0):
            raise invalid_value(
                "layer_norm_epsilon", layer_norm_epsilon, "a positive float"
            )
        if not isinstance(norm_first, bool):
            raise invalid_value("norm_first", norm_first, "a boolean")
        if hidden_dim < 2:
            raise ValueError(
                "`hidden_dim` must be at least 2: layer normalization of "
                "a single feature is a constant, and no gradient reaches "
                f"the layers before it. Received: hidden_dim={hidden_dim}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every "
                "unit, and no gradient reaches the layers before the "
                f"dropout. Received: dropout_rate={dropout_rate}"
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
        self.activation = get_keras_object("activation", activation, "activation")
        self.layer_norm_epsilon = layer_norm_epsilon
        self.norm_first = norm_first
        self.input_spec = keras.InputSpec(ndim=3, axes={-1: hidden_dim})
        self.supports_masking = True

        # Sub-layers are private, created here once, each with an explicit name
        # and this layer's dtype policy; `build()` builds them in call order.

        # Self attention block.
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
            rate=self.dropout_rate,
            dtype=self.dtype_policy,
            name="self_attention_dropout",
        )

        # Feedforward block.
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
            rate=self.dropout_rate,
            dtype=self.dtype_policy,
            name="feedforward_intermediate_dropout",
        )
        self._feedforward_output_dense = keras.layers.Dense(
            self.hidden_dim,
            dtype=self.dtype_policy,
            name="feedforward_output_dense",
        )
        self._feedforward_output_dropout = keras.layers.Dropout(
            rate=self.dropout_rate,
            dtype=self.dtype_policy,
            name="feedforward_output_dropout",
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if input_shape[-1] != self.hidden_dim:
            raise ValueError(
                "The last dimension of the inputs must equal `hidden_dim`. "
                f"Received: input_shape={input_shape}, hidden_dim={self.hidden_dim}"
            )
        # Build each sub-layer in call order, with the shape it receives.

        # Self attention block.
        self._self_attention_layer_norm.build(input_shape)
        self._self_attention_layer.build(
            query_shape=input_shape, value_shape=input_shape
        )
        self._self_attention_dropout.build(input_shape)

        # Feedforward block.
        self._feedforward_layer_norm.build(input_shape)
        self._feedforward_intermediate_dense.build(input_shape)
        intermediate_shape = self._feedforward_intermediate_dense.compute_output_shape(
            input_shape
        )
        self._feedforward_intermediate_dropout.build(intermediate_shape)
        self._feedforward_output_dense.build(intermediate_shape)
        self._feedforward_output_dropout.build(input_shape)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        # Keras keeps on the outputs the mask passed as `mask=` (or carried by
        # the inputs): an explicit `padding_mask` is passed as that mask too.
        padding_mask = args[0] if args else kwargs.get("padding_mask")
        if padding_mask is not None and kwargs.get("mask") is None:
            kwargs["mask"] = padding_mask
        return super().__call__(inputs, *args, **kwargs)

    def call(
        self,
        inputs: Any,
        padding_mask: Any | None = None,
        attention_mask: Any | None = None,
        training: bool | None = None,
        mask: Any | None = None,
    ) -> Any:
        x = inputs
        if padding_mask is None:
            padding_mask = mask
        self_attention_mask = self._merge_masks(padding_mask, attention_mask)

        # Self attention block.
        residual = x
        if self.norm_first:
            x = self._self_attention_layer_norm(x)
        x = self._self_attention_layer(
            query=x,
            value=x,
            attention_mask=self_attention_mask,
            training=training,
        )
        x = self._self_attention_dropout(x, training=training)
        x = ops.add(x, residual)
        if not self.norm_first:
            x = self._self_attention_layer_norm(x)

        # Feedforward block.
        residual = x
        if self.norm_first:
            x = self._feedforward_layer_norm(x)
        x = self._feedforward_intermediate_dense(x)
        x = self._feedforward_intermediate_dropout(x, training=training)
        x = self._feedforward_output_dense(x)
        x = self._feedforward_output_dropout(x, training=training)
        x = ops.add(x, residual)
        if not self.norm_first:
            x = self._feedforward_layer_norm(x)
        return x

    @staticmethod
    def _merge_masks(padding_mask: Any | None, attention_mask: Any | None) -> Any:
        """One `(batch, seq_len, seq_len)` mask: a position attends to another
        where `attention_mask` allows it and the other is not padding."""
        if padding_mask is None:
            return attention_mask
        # Every query may attend to the real tokens only.
        merged = ops.expand_dims(ops.cast(padding_mask, "int32"), axis=1)
        if attention_mask is not None:
            merged = ops.minimum(merged, ops.cast(attention_mask, "int32"))
        return ops.cast(merged, "bool")

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
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
        """Adds the rules that shard this layer's weights to a `LayoutMap`.

        For `keras.distribution.ModelParallel`: weight matrices split over
        `model_parallel_dim_name` as Megatron-LM's tensor parallelism does, and
        where an axis below says `"batch"`, over `data_parallel_dim_name`, as
        keras-hub's backbones do. With the default axis names:

        - `.*/self_attention_layer/(query|key|value)/kernel`: the query, key and
          value kernels, by heads, `("batch", "model", None)`.
        - `.*/self_attention_layer/attention_output/kernel`: the attention's
          output kernel, by heads, `("model", None, "batch")`.
        - `.*/feedforward_intermediate_dense/kernel`: the feed-forward's first
          kernel, column-wise, `("batch", "model")`.
        - `.*/feedforward_output_dense/kernel`: the feed-forward's second kernel,
          row-wise, `("model", "batch")`.

        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        rules = {
            ".*/self_attention_layer/(query|key|value)/kernel": (
                data_dim,
                model_dim,
                None,
            ),
            ".*/self_attention_layer/attention_output/kernel": (
                model_dim,
                None,
                data_dim,
            ),
            ".*/feedforward_intermediate_dense/kernel": (data_dim, model_dim),
            ".*/feedforward_output_dense/kernel": (model_dim, data_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
