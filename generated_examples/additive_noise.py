from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class AdditiveNoise(keras.layers.Layer):
    """Additive Gaussian noise in training, the identity in inference.

    In a training call this layer adds to its inputs noise drawn from a normal
    distribution of mean 0 and standard deviation `stddev`; in inference it
    returns its inputs unchanged.

    The noise comes from a `keras.random.SeedGenerator` created from `seed`:
    two layers with the same `seed` draw the same numbers, and successive calls
    draw new ones, compiled too. That state is not saved, as with
    `keras.layers.GaussianNoise`: a reloaded layer starts again from `seed`.
    The layer keeps the mask of its inputs on its outputs.

    **Intent**: a regularizer that perturbs its inputs with seeded noise in
    training, as `keras.layers.GaussianNoise` does.

    **Architecture**:
    ```
    inputs (batch_size, ...)
      -> + normal(0, stddev)      seed_generator, training only
    outputs (batch_size, ...)
    ```

    Args:
        stddev: Non-negative float. Standard deviation of the noise added in
            training. Defaults to `0.1`.
        seed: Non-negative integer or None. Seed of the layer's `SeedGenerator`;
            `None` draws one at random. Defaults to `None`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.
        training: Python boolean, whether the call is in training mode or in
            inference mode. Only a training call adds noise.

    Input shape:
        Arbitrary. N-D tensor with shape `(batch_size, ...)`.

    Output shape:
        Same shape as the inputs.

    Attributes:
        seed_generator: The `keras.random.SeedGenerator` every draw uses; its
            state is a non-trainable variable, not saved with the model.

    Example:

    ```python
    layer = AdditiveNoise(stddev=0.1, seed=42)
    inputs = keras.random.normal((4, 6))
    outputs = layer(inputs, training=True)  # inputs plus fresh noise
    outputs = layer(inputs)  # inference: the inputs themselves
    ```

    Raises:
        ValueError: If an argument is not as `Args` describes it.
    """

    def __init__(
        self,
        stddev: float = 0.1,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        support.check_number("stddev", stddev, low=0)
        support.check_integer("seed", seed, low=0, none=True)
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed = seed
        self.supports_masking = True
        # Every draw passes `seed=self.seed_generator`: a draw without it (or with
        # an integer seed) repeats the same numbers in a compiled function.
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        # Random in training only; inference returns the inputs as they are.
        if not training or self.stddev == 0:
            return inputs
        noise = keras.random.normal(
            ops.shape(inputs),
            stddev=self.stddev,
            dtype=self.compute_dtype,
            seed=self.seed_generator,
        )
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        config = {
            "stddev": self.stddev,
            "seed": self.seed,
        }
        return {**base_config, **config}
