"""AdditiveNoise: a layer that draws seeded noise from a SeedGenerator, in training
only."""

from typing import Any

import keras
from keras import ops

from keras_scaffold_support import invalid_value, is_integer, is_number


@keras.saving.register_keras_serializable(package="generated_examples")
class AdditiveNoise(keras.layers.Layer):
    """Additive Gaussian noise in training, the identity in inference.

    In a training call this layer adds to its inputs noise drawn from a normal
    distribution of mean 0 and standard deviation `stddev`; in inference
    (`training=False` or unset, as in `predict()` and `evaluate()`) it returns
    its inputs unchanged, so predictions are reproducible.

    The randomness comes from a `keras.random.SeedGenerator` created in
    `__init__` from `seed`, never from a global seed: two layers with the same
    `seed` draw the same numbers, and each draw moves the generator's state (a
    non-trainable variable), so successive calls draw new numbers, also inside a
    compiled (`jit_compile=True`) train or predict function, on every backend.
    That state is not saved, as with `keras.layers.GaussianNoise`: a layer
    reloaded with `keras.models.load_model` starts again from `seed` (from a
    new random seed where `seed` is `None`).

    The noise is drawn in the layer's compute dtype, so the layer works in mixed
    precision. It works position by position and keeps the mask of its inputs
    (from `keras.layers.Embedding(mask_zero=True)` or `keras.layers.Masking`)
    on its outputs.

    **Intent**: a regularizer that perturbs its inputs with seeded random noise
    while training and leaves them alone at inference, as
    `keras.layers.GaussianNoise` does.

    **Architecture**:
    ```
    inputs (batch_size, ...)
      -> + normal(0, stddev)      drawn with seed_generator, training only
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
        ValueError: If `stddev` is not a non-negative float.
        ValueError: If `seed` is not a non-negative integer or None.
    """

    def __init__(
        self,
        stddev: float = 0.1,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        if not is_number(stddev, low=0):
            raise invalid_value("stddev", stddev, "a non-negative float")
        if seed is not None and not is_integer(seed, low=0):
            raise invalid_value("seed", seed, "a non-negative integer or None")
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

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        config = {
            "stddev": self.stddev,
            "seed": self.seed,
        }
        return {**base_config, **config}
