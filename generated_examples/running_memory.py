from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class RunningMemory(keras.layers.Layer):
    """A projection plus a running memory of its own batch means.

    This layer projects its inputs with a `Dense` sub-layer and adds a state,
    `memory`: one value per unit, the exponential moving average of the
    projection's mean over every axis but the last. The state is a
    non-trainable weight, saved with the others.

    The state moves only in a training call (as in `fit()`) of a trainable
    layer, as `keras.layers.BatchNormalization`'s moving statistics do: the
    call adds the state as it stood before the batch, then moves it. Inference
    never moves it. `reset_state()` sets it back to zeros. The layer keeps the
    mask of its inputs on its outputs; masked positions do not move the state.

    **Intent**: a projection that remembers the running mean of its outputs
    over training: a layer that keeps state between calls.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> dense                    Dense(units)
      -> + memory                 memory: (units,), non-trainable
    outputs (..., units)
    after a training call:
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
        ValueError: If an argument is not as `Args` describes it.
        ValueError: If `momentum` is 1.
    """

    def __init__(
        self,
        units: int,
        momentum: float = 0.9,
        **kwargs: Any,
    ) -> None:
        support.check_integer("units", units, low=1)
        support.check_number("momentum", momentum, low=0, high=1)
        if momentum == 1:
            raise ValueError(
                "`momentum` must be below 1: at 1 the state keeps its first value "
                f"(zeros) forever. Received: momentum={momentum}"
            )
        super().__init__(**kwargs)
        self.units = units
        self.momentum = momentum
        self.supports_masking = True
        self.dense = keras.layers.Dense(
            self.units, dtype=self.dtype_policy, name="dense"
        )
        # The state: a non-trainable weight created in `build()`, moved with
        # `.assign()` in training calls only.
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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
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
        base_config["dtype"] = support.dtype_policy_config(self)
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
        """Adds the rules below, which shard this layer's weights for
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one).

        The rules match Keras's default names, `running_memory`,
        `running_memory_1`, ...: a layer named otherwise needs rules of its own.
        """
        model, data = model_parallel_dim_name, data_parallel_dim_name
        name = "running_memory"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/dense/kernel": (data, model),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
