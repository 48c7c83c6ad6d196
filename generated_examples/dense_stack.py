from collections.abc import Callable
from typing import Any

import keras

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class DenseStack(keras.layers.Layer):
    """A stack of `Dense` layers, one per entry of `hidden_dims`.

    This layer applies one `Dense` layer per entry of `hidden_dims`, in
    order, each with `activation`. Its sub-layers, kept in a list that Keras
    tracks, hold its weights. It keeps the mask of its inputs on its outputs.

    **Intent**: a multi-layer perceptron applied to each feature vector, its
    depth and widths chosen by an argument.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> dense_0: Dense(hidden_dims[0], activation)
      -> ...
      -> dense_{n-1}: Dense(hidden_dims[-1], activation)
    outputs (..., hidden_dims[-1])
    ```

    Args:
        hidden_dims: Tuple of positive integers. Width of each `Dense` layer, in
            call order; the last is the output size. Defaults to `(16, 8)`.
        activation: Activation function, or its name. Applied to the output of every
            `Dense` layer. Defaults to `"relu"`.
        use_bias: Boolean. Whether every `Dense` layer adds a learned bias vector.
            Defaults to `True`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., hidden_dims[-1])`.

    Attributes:
        dense_layers: The list of `Dense` layers, one per entry of `hidden_dims`,
            in call order, named `dense_0`, `dense_1`, ...

    Example:

    ```python
    layer = DenseStack()
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        ValueError: If an argument is not as `Args` describes it.
    """

    def __init__(
        self,
        hidden_dims: tuple[int, ...] = (16, 8),
        activation: str | Callable[..., Any] | None = "relu",
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        hidden_dims = support.int_tuple(
            "hidden_dims", hidden_dims, "a non-empty tuple of positive integers", low=1
        )
        support.check_boolean("use_bias", use_bias)
        super().__init__(**kwargs)
        self.hidden_dims = hidden_dims
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True

        # Sub-layers, created here once with this layer's dtype policy, each
        # named; Keras tracks a list attribute's layers.
        self.dense_layers = [
            keras.layers.Dense(
                units,
                activation=self.activation,
                use_bias=self.use_bias,
                dtype=self.dtype_policy,
                name=f"dense_{index}",
            )
            for index, units in enumerate(self.hidden_dims)
        ]

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Each sub-layer in call order, with the shape it receives.
        shape = tuple(input_shape)
        for layer in self.dense_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs: Any) -> Any:
        x = inputs
        for layer in self.dense_layers:
            x = layer(x)
        return x

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.hidden_dims[-1],)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
        config = {
            "hidden_dims": list(self.hidden_dims),
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
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
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one).

        The rules match Keras's default names, `dense_stack`, `dense_stack_1`,
        ...: a layer named otherwise needs rules of its own.
        """
        model, data = model_parallel_dim_name, data_parallel_dim_name
        name = "dense_stack"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/dense_[0-9]*[02468]/kernel": (data, model),
            f"(.*/)?{name}(_[0-9]+)?/dense_[0-9]*[13579]/kernel": (model, data),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
