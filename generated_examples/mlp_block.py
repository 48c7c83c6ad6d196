"""MlpBlock: a block of fixed sub-layers, created in `__init__`, built in `build()`."""

from collections.abc import Callable
from typing import Any

import keras

from keras_scaffold_support import (
    add_layout_rules,
    clone_initializer,
    dtype_policy_config,
    get_keras_object,
    invalid_value,
    is_integer,
    is_number,
)


@keras.saving.register_keras_serializable(package="generated_examples")
class MlpBlock(keras.layers.Layer):
    """A feed-forward block made of fixed sub-layers.

    This layer projects its inputs to `hidden_dim` features with
    `activation`, applies dropout in training and, if `use_norm`, layer
    normalization, then projects to `output_dim` features. It has no weights of
    its own: its sub-layers hold them.

    Every sub-layer works on the last axis alone, so the layer keeps the mask
    of its inputs (from `keras.layers.Embedding(mask_zero=True)` or
    `keras.layers.Masking`) on its outputs.

    **Intent**: a position-wise feed-forward block, as in a transformer: widen
    each feature vector, apply a non-linearity, regularize, and project it
    back to `output_dim` features.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> hidden_dense: Dense(hidden_dim, activation)
      -> dropout: Dropout(dropout_rate)           in training only
      -> layer_norm: LayerNormalization()         if use_norm
      -> output_dense: Dense(output_dim)
    outputs (..., output_dim)
    ```

    Args:
        hidden_dim: Positive integer. Width of the hidden `Dense` layer. Required.
        output_dim: Positive integer. Dimensionality of the output space. Required.
        activation: Activation function, or its name. Applied to the hidden `Dense`
            layer's output. Defaults to `"gelu"`.
        dropout_rate: Float between 0 and 1. Fraction of the hidden units dropped in
            training. Defaults to `0.1`.
        use_norm: Boolean. Whether a `LayerNormalization` follows the dropout.
            Defaults to `True`.
        kernel_initializer: Initializer, or its name. Initializer for both `Dense`
            kernels; each gets its own copy. Defaults to `"glorot_uniform"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.
        training: Python boolean, whether the call is in training mode or in
            inference mode.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., output_dim)`.

    Attributes:
        hidden_dense: The `Dense` layer of width `hidden_dim`, with `activation`.
        dropout: The `Dropout` layer applied to the hidden features.
        layer_norm: The `LayerNormalization` layer, or `None` when `use_norm`
            is `False`.
        output_dense: The `Dense` layer projecting to `output_dim`.

    Example:

    ```python
    layer = MlpBlock(hidden_dim=8, output_dim=4)
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        ValueError: If `hidden_dim` is not a positive integer.
        ValueError: If `output_dim` is not a positive integer.
        ValueError: If `activation` is not a Keras activation or its name.
        ValueError: If `dropout_rate` is not a float between 0 and 1.
        ValueError: If `use_norm` is not a boolean.
        ValueError: If `kernel_initializer` is not a Keras initializer or its name.
        ValueError: If `hidden_dim` is below 2 and `use_norm` is `True`.
        ValueError: If `dropout_rate` is 1.
    """

    def __init__(
        self,
        hidden_dim: int,
        output_dim: int,
        activation: str | Callable[..., Any] | None = "gelu",
        dropout_rate: float = 0.1,
        use_norm: bool = True,
        kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        if not is_integer(hidden_dim, low=1):
            raise invalid_value("hidden_dim", hidden_dim, "a positive integer")
        if not is_integer(output_dim, low=1):
            raise invalid_value("output_dim", output_dim, "a positive integer")
        if not is_number(dropout_rate, low=0, high=1):
            raise invalid_value("dropout_rate", dropout_rate, "a float between 0 and 1")
        if not isinstance(use_norm, bool):
            raise invalid_value("use_norm", use_norm, "a boolean")
        if use_norm and hidden_dim < 2:
            raise ValueError(
                "`hidden_dim` must be at least 2 with `use_norm`: layer "
                "normalization of a single feature is a constant, and no "
                "gradient reaches the layers before it. Received: "
                f"hidden_dim={hidden_dim}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every "
                "unit, and no gradient reaches the layers before the "
                f"dropout. Received: dropout_rate={dropout_rate}"
            )
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.output_dim = output_dim
        self.activation = get_keras_object("activation", activation, "activation")
        self.dropout_rate = dropout_rate
        self.use_norm = use_norm
        self.kernel_initializer = get_keras_object(
            "kernel_initializer", kernel_initializer, "initializer"
        )
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True

        # Sub-layers, in call order, created here once: each with an explicit
        # name, this layer's dtype policy (so that mixed precision reaches it)
        # and its own copy of the initializer. Replace them and `call()`, and
        # keep `build()` in step with `call()`.
        self.hidden_dense = keras.layers.Dense(
            self.hidden_dim,
            activation=self.activation,
            kernel_initializer=clone_initializer(self.kernel_initializer),
            dtype=self.dtype_policy,
            name="hidden_dense",
        )
        self.dropout = keras.layers.Dropout(
            self.dropout_rate, dtype=self.dtype_policy, name="dropout"
        )
        self.layer_norm = None
        if self.use_norm:
            self.layer_norm = keras.layers.LayerNormalization(
                dtype=self.dtype_policy, name="layer_norm"
            )
        self.output_dense = keras.layers.Dense(
            self.output_dim,
            kernel_initializer=clone_initializer(self.kernel_initializer),
            dtype=self.dtype_policy,
            name="output_dense",
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Build each sub-layer in call order, with the shape it receives, so
        # that a saved model finds every weight when it reloads.
        self.hidden_dense.build(input_shape)
        hidden_shape = self.hidden_dense.compute_output_shape(input_shape)
        self.dropout.build(hidden_shape)
        if self.layer_norm is not None:
            self.layer_norm.build(hidden_shape)
        self.output_dense.build(hidden_shape)
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        # Hidden projection.
        x = self.hidden_dense(inputs, training=training)
        x = self.dropout(x, training=training)

        # Optional normalization.
        if self.layer_norm is not None:
            x = self.layer_norm(x)

        # Output projection.
        return self.output_dense(x, training=training)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
        config = {
            "hidden_dim": self.hidden_dim,
            "output_dim": self.output_dim,
            "activation": keras.activations.serialize(self.activation),
            "dropout_rate": self.dropout_rate,
            "use_norm": self.use_norm,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
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

        - `.*/hidden_dense/kernel`: the first projection's kernel, column-wise,
          `("batch", "model")`.
        - `.*/output_dense/kernel`: the second projection's kernel, row-wise,
          `("model", "batch")`.

        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        rules = {
            ".*/hidden_dense/kernel": (data_dim, model_dim),
            ".*/output_dense/kernel": (model_dim, data_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
