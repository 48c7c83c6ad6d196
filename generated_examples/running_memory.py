"""RunningMemory: a layer with a state that training moves and reset_state() zeroes."""

from typing import Any

import keras
from keras import ops

from keras_scaffold_support import (
    add_layout_rules,
    dtype_policy_config,
    invalid_value,
    is_integer,
    is_number,
)


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

    The state is kept in the policy's variable dtype (float32 under
    `mixed_float16` and `mixed_bfloat16`), never autocast, and cast to the
    activations' dtype where it meets them, so the layer works in mixed
    precision.

    Masks: the layer works on the last axis alone and keeps the mask of its
    inputs (from `keras.layers.Embedding(mask_zero=True)` or
    `keras.layers.Masking`) on its outputs; the batch mean that moves the state
    is taken over unmasked positions only, so padding does not move it.

    **Intent**: a projection that also remembers the running mean of its own
    outputs over training, as a layer that keeps state between calls.

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
        mask: Boolean tensor of shape `inputs.shape[:-1]`, `True` for the
            positions to keep, or `None`. Keras passes the mask that comes with
            `inputs`; masked positions do not move the state.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., units)`.

    Attributes:
        dense: The `Dense` sub-layer that projects the inputs to `units`.
        memory: The state, a non-trainable weight of shape `(units,)`, zeros
            until a training call moves it; created in `build()`.

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
        ValueError: If `momentum` is 1.
    """

    def __init__(
        self,
        units: int,
        momentum: float = 0.9,
        **kwargs: Any,
    ) -> None:
        if not is_integer(units, low=1):
            raise invalid_value("units", units, "a positive integer")
        if not is_number(momentum, low=0, high=1):
            raise invalid_value("momentum", momentum, "a float between 0 and 1")
        if momentum == 1:
            raise ValueError(
                "`momentum` must be below 1: at 1 the state keeps its "
                "first value (zeros) forever. Received: "
                f"momentum={momentum}"
            )
        super().__init__(**kwargs)
        self.units = units
        self.momentum = momentum
        self.supports_masking = True
        # Change what the state records and how `call()` uses it; keep it a
        # non-trainable weight created in `build()`, moved with `.assign()` in
        # training calls only, and cast before it meets activations.
        self.dense = keras.layers.Dense(
            self.units, dtype=self.dtype_policy, name="dense"
        )
        self.memory = None

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.dense.build(input_shape)
        dense_shape = self.dense.compute_output_shape(input_shape)
        self.memory = self.add_weight(
            name="memory",
            shape=(dense_shape[-1],),
            initializer="zeros",
            trainable=False,
            autocast=False,
        )

    def call(
        self, inputs: Any, training: bool | None = None, mask: Any | None = None
    ) -> Any:
        projected = self.dense(inputs)
        # The state as it stands before this batch, in the activations' dtype.
        outputs = ops.add(projected, ops.cast(self.memory, projected.dtype))
        # Only training moves the state; inference reads it and leaves it.
        if training and self.trainable:
            self._update_memory(projected, mask)
        return outputs

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return self.dense.compute_output_shape(input_shape)

    def reset_state(self) -> None:
        """Sets the state back to zeros; does nothing before `build()`."""
        if self.memory is not None:
            self.memory.assign(ops.zeros(self.memory.shape, self.memory.dtype))

    def _update_memory(self, projected: Any, mask: Any | None) -> None:
        """Moves the state towards the mean of the dense outputs over the batch
        and every other axis but the last, unmasked positions only."""
        axes = tuple(range(len(projected.shape) - 1))
        # The mean in the state's dtype, outside the gradient.
        projected = ops.stop_gradient(ops.cast(projected, self.memory.dtype))
        if mask is None:
            batch_mean = ops.mean(projected, axis=axes)
        else:
            weights = ops.expand_dims(ops.cast(mask, self.memory.dtype), -1)
            total = ops.sum(projected * weights, axis=axes)
            count = ops.sum(weights, axis=axes)
            batch_mean = total / ops.maximum(count, 1.0)
        self.memory.assign(
            self.memory * self.momentum + batch_mean * (1.0 - self.momentum)
        )

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
        config = {
            "units": self.units,
            "momentum": self.momentum,
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

        - `(.*/)?<name>(_[0-9]+)?/dense/kernel`: the projection's kernel, column-
          wise, `("batch", "model")`.

        `<name>` is Keras's default name of the layer, `running_memory`, then
        `running_memory_1`, ...: an instance given another `name` needs rules of
        its own.
        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        # Keras's default name of this layer, which the rules match.
        name = "running_memory"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/dense/kernel": (data_dim, model_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
