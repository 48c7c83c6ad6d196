"""RunningMemory: a layer with a state that training moves and reset_state() zeroes."""

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="generated_examples")
class RunningMemory(keras.layers.Layer):
    """A projection plus a running memory of its own batch means.

    This layer projects its inputs with a `Dense` sub-layer and adds a
    state, `memory`: the exponential moving average of the projection's mean over
    the batch (and every other axis but the last), one value per unit. The state
    is a non-trainable weight; no gradient flows into it.

    When the state moves: only in a call with `training=True`, as in `fit()`,
    and only while the layer is trainable, the way
    `keras.layers.BatchNormalization` moves its moving statistics. Inference
    (`training=False` or unset, as in `predict()` and `evaluate()`) reads the
    state but never moves it, so predictions are reproducible and a saved model
    gives the same outputs after loading. A training call adds the state as it
    stood before the batch, then moves it:
    `memory = memory * momentum + batch_mean * (1 - momentum)`.
    `reset_state()` sets it back to zeros. The state is saved with the weights.

    The state is kept in float32 (never autocast) and cast to the activations'
    dtype where it meets them, so the layer works under `mixed_float16`.

    **Intent**: the pattern for a layer that keeps state between calls. Change
    what the state records and how it is used in `call()`; keep the state a
    non-trainable weight created in `build()`, moved with `.assign()` in training
    calls only, and cast before it meets activations.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> dense                    Dense(units)
      -> + memory                 memory: (units,), non-trainable
    outputs (..., units)

    training=True, afterwards:
      memory <- memory * momentum + mean(dense outputs) * (1 - momentum)
    ```

    Args:
        units: Positive integer. Dimensionality of the output space and of the
            state. Required.
        momentum: Float between 0 and 1. Weight of the old state in each training
            update: `memory * momentum + batch_mean * (1 - momentum)`. Defaults to
            `0.9`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.
        training: Python boolean, whether the call is in training mode or in
            inference mode. Only a training call moves the state.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., units)`.

    Attributes:
        dense: The `Dense` sub-layer that projects the inputs to `units`.
        memory: The state, a non-trainable float32 weight of shape `(units,)`,
            zeros until a training call moves it; created in `build()`.

    Methods:
        reset_state(): Sets the state back to zeros.

    Example:

    ```python
    layer = RunningMemory(units=8)
    inputs = keras.random.normal((4, 6))
    outputs = layer(inputs)  # inference: reads the state, leaves it at zeros
    outputs = layer(inputs, training=True)  # training: then moves the state
    layer.reset_state()  # the state is zeros again
    ```

    Raises:
        ValueError: If `units` is not a positive integer.
        ValueError: If `momentum` is not a float between 0 and 1.
    """

    def __init__(
        self,
        units: int,
        momentum: float = 0.9,
        **kwargs: Any,
    ) -> None:
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(
                "Received an invalid value for `units`, "
                "expected a positive integer. "
                f"Received: units={units!r}"
            )
        if (
            not isinstance(momentum, (int, float))
            or isinstance(momentum, bool)
            or momentum < 0
            or momentum > 1
        ):
            raise ValueError(
                "Received an invalid value for `momentum`, "
                "expected a float between 0 and 1. "
                f"Received: momentum={momentum!r}"
            )
        super().__init__(**kwargs)
        self.units = units
        self.momentum = momentum
        self.dense = keras.layers.Dense(
            self.units, dtype=self.dtype_policy, name="dense"
        )
        self.memory = None

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if not self.dense.built:
            self.dense.build(input_shape)
        dense_shape = self.dense.compute_output_shape(input_shape)
        self.memory = self.add_weight(
            name="memory",
            shape=(dense_shape[-1],),
            initializer="zeros",
            trainable=False,
            autocast=False,
        )

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        projected = self.dense(inputs, training=training)
        # The state as it stands before this batch, in the activations' dtype.
        outputs = ops.add(projected, ops.cast(self.memory, projected.dtype))
        # Only training moves the state; inference reads it and leaves it.
        if training and self.trainable:
            self._update_memory(projected)
        return outputs

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return self.dense.compute_output_shape(input_shape)

    def reset_state(self) -> None:
        """Sets the state back to zeros; does nothing before `build()`."""
        if self.memory is not None:
            self.memory.assign(ops.zeros(self.memory.shape, self.memory.dtype))

    def _update_memory(self, projected: Any) -> None:
        """Moves the state towards the batch mean of the dense outputs."""
        axes = tuple(range(len(projected.shape) - 1))
        # The mean in the state's float32, outside the gradient.
        batch_mean = ops.stop_gradient(
            ops.mean(ops.cast(projected, self.memory.dtype), axis=axes)
        )
        self.memory.assign(
            self.memory * self.momentum + batch_mean * (1.0 - self.momentum)
        )

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        config = {
            "units": self.units,
            "momentum": self.momentum,
        }
        return {**base_config, **config}
