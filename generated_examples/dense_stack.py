"""DenseStack: a stack of `Dense` sub-layers, one per entry of a tuple of sizes."""

from collections.abc import Callable
from typing import Any

import keras

from keras_scaffold_support import (
    add_layout_rules,
    dtype_policy_config,
    get_keras_object,
    int_tuple,
    invalid_value,
)


@keras.saving.register_keras_serializable(package="generated_examples")
class DenseStack(keras.layers.Layer):
    """A stack of `Dense` layers, one per entry of `hidden_dims`.

    This layer applies one `Dense` layer per entry of `hidden_dims`, in
    order, each followed by `activation`. It has no weights of its own: the
    sub-layers hold them, kept in a list attribute that Keras tracks, so their
    weights are this layer's weights and are saved with it.

    Every `Dense` layer works on the last axis alone, so the layer keeps the
    mask of its inputs (from `keras.layers.Embedding(mask_zero=True)` or
    `keras.layers.Masking`) on its outputs.

    **Intent**: a multi-layer perceptron applied to each feature vector, its
    depth and widths chosen by an argument.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> dense_0: Dense(hidden_dims[0], activation)
      -> dense_1: Dense(hidden_dims[1], activation)
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
        ValueError: If `hidden_dims` is not a non-empty tuple of positive integers.
        ValueError: If `activation` is not a Keras activation or its name.
        ValueError: If `use_bias` is not a boolean.
    """

    def __init__(
        self,
        hidden_dims: tuple[int, ...] = (16, 8),
        activation: str | Callable[..., Any] | None = "relu",
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        hidden_dims = int_tuple(
            "hidden_dims", hidden_dims, "a non-empty tuple of positive integers", low=1
        )
        if not isinstance(use_bias, bool):
            raise invalid_value("use_bias", use_bias, "a boolean")
        super().__init__(**kwargs)
        self.hidden_dims = hidden_dims
        self.activation = get_keras_object("activation", activation, "activation")
        self.use_bias = use_bias
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True

        # Sub-layers, in call order, made from the arguments here once. Keras
        # tracks a list attribute's layers; each is named after its position
        # and follows this layer's dtype policy. Replace them and `call()`, and
        # keep `build()` in step with `call()`.
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
        # Build each sub-layer in call order, carrying the shape from one to
        # the next: without this, a built layer would report no weights and a
        # saved model could not restore them.
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

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.hidden_dims[-1],)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
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
        """Adds the rules that shard this layer's weights to a `LayoutMap`.

        For `keras.distribution.ModelParallel`: weight matrices split over
        `model_parallel_dim_name` as Megatron-LM's tensor parallelism does, and
        where an axis below says `"batch"`, over `data_parallel_dim_name`, as
        keras-hub's backbones do. With the default axis names:

        - `(.*/)?<name>(_[0-9]+)?/dense_[0-9]*[02468]/kernel`: the kernels of
          `dense_0`, `dense_2`, ..., column-wise, `("batch", "model")`.
        - `(.*/)?<name>(_[0-9]+)?/dense_[0-9]*[13579]/kernel`: the kernels of
          `dense_1`, `dense_3`, ..., row-wise, `("model", "batch")`.

        `<name>` is Keras's default name of the layer, `dense_stack`, then
        `dense_stack_1`, ...: an instance given another `name` needs rules of
        its own.
        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        # Keras's default name of this layer, which the rules match.
        name = "dense_stack"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/dense_[0-9]*[02468]/kernel": (data_dim, model_dim),
            f"(.*/)?{name}(_[0-9]+)?/dense_[0-9]*[13579]/kernel": (model_dim, data_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
