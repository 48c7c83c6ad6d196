from collections.abc import Callable
from typing import Any

import keras

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class MlpBlock(keras.layers.Layer):
    """A feed-forward block made of fixed sub-layers.

    This layer projects its inputs to `hidden_dim` features with
    `activation`, applies dropout in training and, if `use_norm`, layer
    normalization, then projects to `output_dim` features. It keeps the mask of
    its inputs on its outputs.

    **Intent**: a position-wise feed-forward block, as in a transformer.

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
            layer's output. Defaults to `"relu"`.
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
        ValueError: If an argument is not as `Args` describes it.
        ValueError: If `hidden_dim` is below 2 and `use_norm` is `True`.
        ValueError: If `dropout_rate` is 1.
    """

    def __init__(
        self,
        hidden_dim: int,
        output_dim: int,
        activation: str | Callable[..., Any] | None = "relu",
        dropout_rate: float = 0.1,
        use_norm: bool = True,
        kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        support.check_integer("hidden_dim", hidden_dim, low=1)
        support.check_integer("output_dim", output_dim, low=1)
        support.check_number("dropout_rate", dropout_rate, low=0, high=1)
        support.check_boolean("use_norm", use_norm)
        if use_norm and hidden_dim < 2:
            raise ValueError(
                "`hidden_dim` must be at least 2 with `use_norm`: the normalization "
                f"of one feature is a constant. Received: hidden_dim={hidden_dim}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every unit. "
                f"Received: dropout_rate={dropout_rate}"
            )
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.output_dim = output_dim
        self.activation = keras.activations.get(activation)
        self.dropout_rate = dropout_rate
        self.use_norm = use_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True

        # Sub-layers, created here once with this layer's dtype policy, each
        # named; `build()` builds them in call order.
        self.hidden_dense = keras.layers.Dense(
            self.hidden_dim,
            activation=self.activation,
            kernel_initializer=support.clone_initializer(self.kernel_initializer),
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
            kernel_initializer=support.clone_initializer(self.kernel_initializer),
            dtype=self.dtype_policy,
            name="output_dense",
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Each sub-layer in call order, with the shape it receives.
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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
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
        """Adds the rules below, which shard this layer's weights for
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one)."""
        model, data = model_parallel_dim_name, data_parallel_dim_name
        rules = {
            ".*/hidden_dense/kernel": (data, model),
            ".*/output_dense/kernel": (model, data),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
