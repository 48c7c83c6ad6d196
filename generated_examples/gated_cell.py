from collections.abc import Callable
from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class GatedCell(keras.layers.Layer):
    """A minimal gated recurrent cell, for `keras.layers.RNN`.

    This cell computes one step of a minimal gated unit, whose new state is
    also its output:

    ```
    f = recurrent_activation(x @ W_f + h @ U_f + b_f)
    candidate = activation(x @ W_h + (f * h) @ U_h + b_h)
    new_h = (1 - f) * h + f * candidate
    ```

    `keras.layers.RNN(cell)` runs it over the time axis and handles masks (a
    padded step leaves the state as it was) and saving. For LiteRT, export the
    `RNN` with a fixed batch (`input_signature`) or `unroll=True` and a fixed
    length: else it needs TensorFlow's Select ops, missing from LiteRT's runtime.

    **Intent**: a recurrent cell whose single gate decides how much of its
    state to keep, for `keras.layers.RNN` or `keras.layers.StackedRNNCells`.

    **Architecture**:
    ```
    inputs (batch_size, input_dim), states [h: (batch_size, units)]
      -> f, candidate                      gate and candidate halves of the
                                           weights, candidate on f * h
      -> h = (1 - f) * h + f * candidate
    output h (batch_size, units), new states [h]
    ```

    Args:
        units: Positive integer. Dimensionality of the output space and of the
            state. Required.
        activation: Activation function, or its name. Activation of the candidate
            state. Defaults to `"tanh"`.
        recurrent_activation: Activation function, or its name. Activation of the
            gate. Defaults to `"sigmoid"`.
        use_bias: Boolean. Whether the cell adds a learned bias vector. Defaults to
            `True`.
        kernel_initializer: Initializer, or its name. Initializer for the `kernel`
            weights matrix, applied to the inputs. Defaults to `"glorot_uniform"`.
        recurrent_initializer: Initializer, or its name. Initializer for the
            `recurrent_kernel` weights matrix, applied to the state. Defaults to
            `"orthogonal"`.
        bias_initializer: Initializer, or its name. Initializer for the bias vector.
            Defaults to `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor of one step, `(batch_size, input_dim)`.
        states: List of one tensor, the previous state, `(batch_size, units)`
            (a single tensor is accepted too).
        training: Python boolean, whether the call is in training mode or in
            inference mode. The cell computes the same in both.

    Input shape:
        2D tensor `(batch_size, input_dim)`, one step; in `keras.layers.RNN`,
        3D tensor `(batch_size, timesteps, input_dim)`.

    Output shape:
        2D tensor `(batch_size, units)` and the new states; in
        `keras.layers.RNN`, as its `return_sequences` says.

    Attributes:
        state_size: The size of the state, `units`.
        output_size: The size of the output, `units`.
        kernel: The weights applied to the inputs, of shape
            `(input_dim, 2 * units)`; created in `build()`.
        recurrent_kernel: The weights applied to the state, of shape
            `(units, 2 * units)`; created in `build()`.
        bias: The bias vector, of shape `(2 * units,)`, or `None` when
            `use_bias` is `False`.

    Example:

    ```python
    cell = GatedCell(units=8)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    sequences, state = layer(keras.random.normal((2, 3, 4)))
    ```

    Raises:
        ValueError: If an argument is not as `Args` describes it.
    """

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = "tanh",
        recurrent_activation: str | Callable[..., Any] | None = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform",
        recurrent_initializer: str | keras.initializers.Initializer = "orthogonal",
        bias_initializer: str | keras.initializers.Initializer = "zeros",
        **kwargs: Any,
    ) -> None:
        support.check_integer("units", units, low=1)
        support.check_boolean("use_bias", use_bias)
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        # What `keras.layers.RNN` reads; keep them in step with `call()`.
        self.state_size = self.units
        self.output_size = self.units
        self.kernel = None
        self.recurrent_kernel = None
        self.bias = None

    # Weights are created here, from one step's inputs, so that a saved RNN
    # reloads them.
    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, 2 * self.units),
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, 2 * self.units),
            initializer=self.recurrent_initializer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(2 * self.units,),
                initializer=self.bias_initializer,
            )

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> Any:
        previous = states[0] if isinstance(states, (list, tuple)) else states
        projected = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            projected = ops.add(projected, self.bias)
        input_gate, input_candidate = ops.split(projected, 2, axis=-1)
        recurrent_gate, recurrent_candidate = ops.split(
            self.recurrent_kernel, 2, axis=-1
        )
        gate = self.recurrent_activation(
            input_gate + ops.matmul(previous, recurrent_gate)
        )
        candidate = self.activation(
            input_candidate + ops.matmul(gate * previous, recurrent_candidate)
        )
        output = (1 - gate) * previous + gate * candidate
        # The same structure as `states`: a list of one state, or a tensor.
        new_states = [output] if isinstance(states, (list, tuple)) else output
        return output, new_states

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        # One step, or a sequence as `RNN(return_sequences=True)` computes it.
        return tuple(input_shape[:-1]) + (self.units,)

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """The state before the first step: zeros, in the compute dtype."""
        return [ops.zeros((batch_size, self.state_size), dtype=self.compute_dtype)]

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(
                self.recurrent_activation
            ),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(
                self.recurrent_initializer
            ),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
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

        The rules match Keras's default names, `gated_cell`, `gated_cell_1`,
        ...: a layer named otherwise needs rules of its own.
        """
        model = model_parallel_dim_name
        name = "gated_cell"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/kernel": (None, model),
            f"(.*/)?{name}(_[0-9]+)?/recurrent_kernel": (None, model),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
