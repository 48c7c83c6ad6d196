"""ScaledDense: a layer that owns its weights and has no sub-layers."""

from collections.abc import Callable
from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="generated_examples")
class ScaledDense(keras.layers.Layer):
    """A linear projection with its own kernel and optional bias.

    This layer computes `activation(inputs @ kernel + bias)`. Its weights
    are its own: they are created in `build()` from the last input dimension, so
    the layer needs no sub-layers.

    The layer works on the last axis alone, so it keeps the mask of its inputs
    (from `keras.layers.Embedding(mask_zero=True)` or `keras.layers.Masking`)
    on its outputs, as `keras.layers.Dense` does.

    **Intent**: a learned linear projection of each feature vector, with its
    own weights and no sub-layers.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> inputs @ kernel          kernel: (input_dim, units)
      -> + bias                   bias: (units,), if use_bias
      -> activation
    outputs (..., units)
    ```

    Args:
        units: Positive integer. Dimensionality of the output space. Required.
        activation: Activation function, or its name. Applied to the output; `None`
            means linear. Defaults to `None`.
        use_bias: Boolean. Whether the layer adds a learned bias vector. Defaults to
            `True`.
        kernel_initializer: Initializer, or its name. Initializer for the `kernel`
            weights matrix. Defaults to `"glorot_uniform"`.
        bias_initializer: Initializer, or its name. Initializer for the bias vector.
            Defaults to `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., units)`.

    Attributes:
        kernel: The weights matrix, of shape `(input_dim, units)`; created in
            `build()`.
        bias: The bias vector, of shape `(units,)`, or `None` when `use_bias`
            is `False`.

    Example:

    ```python
    layer = ScaledDense(units=8)
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        TypeError: If `units` is not an integer.
        ValueError: If `units` is not a positive integer.
        ValueError: If `activation` is not a Keras activation or its name.
        TypeError: If `use_bias` is not a boolean.
        ValueError: If `kernel_initializer` is not a Keras initializer or its name.
        ValueError: If `bias_initializer` is not a Keras initializer or its name.
    """

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform",
        bias_initializer: str | keras.initializers.Initializer = "zeros",
        **kwargs: Any,
    ) -> None:
        if not isinstance(units, int) or isinstance(units, bool):
            raise TypeError(
                "Received an invalid value for `units`, "
                "expected a positive integer. "
                f"Received: units={units!r}"
            )
        if units < 1:
            raise ValueError(
                "Received an invalid value for `units`, "
                "expected a positive integer. "
                f"Received: units={units!r}"
            )
        if not isinstance(use_bias, bool):
            raise TypeError(
                "Received an invalid value for `use_bias`, "
                "expected a boolean. "
                f"Received: use_bias={use_bias!r}"
            )
        super().__init__(**kwargs)
        self.units = units
        try:
            self.activation = keras.activations.get(activation)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `activation`, "
                "expected a Keras activation or its name. "
                f"Received: activation={activation!r}"
            ) from error
        self.use_bias = use_bias
        try:
            self.kernel_initializer = keras.initializers.get(kernel_initializer)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `kernel_initializer`, "
                "expected a Keras initializer or its name. "
                f"Received: kernel_initializer={kernel_initializer!r}"
            ) from error
        try:
            self.bias_initializer = keras.initializers.get(bias_initializer)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `bias_initializer`, "
                "expected a Keras initializer or its name. "
                f"Received: bias_initializer={bias_initializer!r}"
            ) from error
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = None
        self.bias = None

    # Weights are created here, from the input shape, so that a saved model
    # reloads them; change the maths in `call()` and keep this structure.
    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                "The last dimension of the inputs must be "
                f"defined. Received: input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
            )
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs: Any) -> Any:
        outputs = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
        return {**base_config, **config}
