from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class FeatureNorm(keras.layers.Layer):
    """Normalizes each example over its features, then scales and shifts.

    This layer standardizes every example over its last axis, as
    `keras.layers.LayerNormalization` does: it subtracts the example's mean,
    divides by its standard deviation, then multiplies by a learned
    per-feature scale `gamma` and adds a learned offset `beta`. An example's
    output depends on that example alone, in training and inference alike.

    The statistics are computed in float32 whatever the dtype policy and the
    result is cast back to the compute dtype, so the layer stays accurate under
    `mixed_float16`. It keeps the mask of its inputs on its outputs.

    **Intent**: a per-example feature normalization with a learned scale and
    offset, accurate in mixed precision and independent of the batch.

    **Architecture**:
    ```
    inputs (..., features)                      in float32
      -> (x - mean) / sqrt(variance + epsilon)  over the last axis
      -> * gamma + beta                         if scale, if center
    outputs (..., features)                     in the compute dtype
    ```

    Args:
        epsilon: Positive float. Small number added to the variance to avoid
            dividing by zero. Defaults to `0.001`.
        center: Boolean. Whether to add the learned offset `beta` after normalizing.
            Defaults to `True`.
        scale: Boolean. Whether to multiply by the learned scale `gamma` after
            normalizing. Defaults to `True`.
        beta_initializer: Initializer, or its name. Initializer for the offset
            `beta`. Defaults to `"zeros"`.
        gamma_initializer: Initializer, or its name. Initializer for the scale
            `gamma`. Defaults to `"ones"`.
        beta_regularizer: Regularizer, or its name. Optional regularizer for the
            offset `beta`. Defaults to `None`.
        gamma_regularizer: Regularizer, or its name. Optional regularizer for the
            scale `gamma`. Defaults to `None`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor, of rank 2 or more.

    Input shape:
        N-D tensor with shape `(batch_size, ..., features)`.

    Output shape:
        Same shape as the input.

    Attributes:
        gamma: The scale, of shape `(features,)`, or `None` when `scale` is
            `False`; created in `build()`.
        beta: The offset, of shape `(features,)`, or `None` when `center` is
            `False`; created in `build()`.

    Example:

    ```python
    layer = FeatureNorm()
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        ValueError: If an argument is not as `Args` describes it.
    """

    def __init__(
        self,
        epsilon: float = 0.001,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str | keras.initializers.Initializer = "zeros",
        gamma_initializer: str | keras.initializers.Initializer = "ones",
        beta_regularizer: str | keras.regularizers.Regularizer | None = None,
        gamma_regularizer: str | keras.regularizers.Regularizer | None = None,
        **kwargs: Any,
    ) -> None:
        support.check_number("epsilon", epsilon, above=0)
        support.check_boolean("center", center)
        support.check_boolean("scale", scale)
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_regularizer = keras.regularizers.get(beta_regularizer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True
        # Inputs keep their dtype (not rounded to float16 first): `call()`
        # computes in float32 and casts the result to the compute dtype.
        self.autocast = False
        self.gamma = None
        self.beta = None

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = input_shape[-1]
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=(features,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=(features,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                autocast=False,
            )
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: features})

    def call(self, inputs: Any) -> Any:
        # Statistics in float32 at least: float16 squares overflow and round.
        dtype = keras.backend.result_type(inputs.dtype, "float32")
        inputs = ops.cast(inputs, dtype)
        mean, variance = ops.moments(inputs, axes=[-1], keepdims=True)
        outputs = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            outputs = outputs * ops.cast(self.gamma, dtype)
        if self.beta is not None:
            outputs = outputs + ops.cast(self.beta, dtype)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        config = {
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_regularizer": keras.regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": keras.regularizers.serialize(self.gamma_regularizer),
        }
        return {**base_config, **config}
