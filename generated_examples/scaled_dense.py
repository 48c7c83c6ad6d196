"""ScaledDense: a layer that owns its weights and has no sub-layers."""

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from keras_scaffold_support import (
    add_layout_rules,
    get_keras_object,
    invalid_value,
    is_integer,
    mark_quantized,
)


@keras.saving.register_keras_serializable(package="generated_examples")
class ScaledDense(keras.layers.Layer):
    """A linear projection with its own kernel and optional bias.

    This layer computes `activation(inputs @ kernel + bias)`. Its weights
    are its own: they are created in `build()` from the last input dimension, so
    the layer needs no sub-layers.

    The layer works on the last axis alone, so it keeps the mask of its inputs
    (from `keras.layers.Embedding(mask_zero=True)` or `keras.layers.Masking`)
    on its outputs, as `keras.layers.Dense` does.

    Quantization: `model.quantize("int8")` (or `layer.quantize("int8")`)
    replaces the kernel with an int8 kernel and one scale per unit, and its calls
    multiply int8 inputs (quantized per row) by it, as `keras.layers.Dense`
    does; `"int4"` packs two 4-bit values in each byte and keeps the inputs
    as they are. A saved quantized model reloads quantized. Other modes leave
    the layer as it is.

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
        kernel_scale: After `quantize()`, one scale per unit, of shape
            `(units,)`: the quantized kernel is the float kernel times
            `kernel_scale`, rounded. `None` before.

    Example:

    ```python
    layer = ScaledDense(units=8)
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        ValueError: If `units` is not a positive integer.
        ValueError: If `activation` is not a Keras activation or its name.
        ValueError: If `use_bias` is not a boolean.
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
        if not is_integer(units, low=1):
            raise invalid_value("units", units, "a positive integer")
        if not isinstance(use_bias, bool):
            raise invalid_value("use_bias", use_bias, "a boolean")
        super().__init__(**kwargs)
        self.units = units
        self.activation = get_keras_object("activation", activation, "activation")
        self.use_bias = use_bias
        self.kernel_initializer = get_keras_object(
            "kernel_initializer", kernel_initializer, "initializer"
        )
        self.bias_initializer = get_keras_object(
            "bias_initializer", bias_initializer, "initializer"
        )
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = None
        self.bias = None
        self.kernel_scale = None

    # Weights are created here, from the input shape, so that a saved model
    # reloads them; change the maths in `call()` and keep this structure.
    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                "The last dimension of the inputs must be "
                f"defined. Received: input_shape={input_shape}"
            )
        kernel_shape = (input_dim, self.units)
        if self.quantization_mode is not None:
            # A quantized layer being reloaded: its quantized kernel and scales.
            self.quantized_build(kernel_shape, self.quantization_mode)
        else:
            self.kernel = self.add_weight(
                name="kernel",
                shape=kernel_shape,
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

    # Quantization, as Keras's guide "Writing Quantization-Compatible Layers"
    # and `keras.layers.Dense` do it: `quantize()` replaces the kernel, Keras
    # calls `_int8_call()` or `_int4_call()` in place of `call()` once the dtype
    # policy names the mode, and `build()` creates the quantized weights when a
    # quantized model reloads. Change them with `call()`, or delete them all.
    def quantize(
        self, mode: str | None = None, type_check: bool = True, config: Any = None
    ) -> None:
        """Quantizes the kernel to `mode`, `"int8"` or `"int4"`, for serving.

        Each unit's column of the kernel gets one scale, so that its largest
        absolute value maps to 127 (int8) or 7 (int4), and is rounded to
        integers. Keras's default quantizers are used, as `Dense` uses them
        without a `config`: the quantizers of `config` are not, and int4 is
        per unit, whatever `config.block_size` says. Keras calls this from
        `model.quantize(mode)`, which leaves the layer as it is on the
        `NotImplementedError` of another mode (or of a subclass, whose `call()`
        this does not know, unless `type_check` is `False`).
        """
        if type_check and type(self) is not ScaledDense:
            raise NotImplementedError(
                f"Layer {self.__class__.__name__} does not have a `quantize` "
                "method implemented."
            )
        if mode not in ("int8", "int4"):
            raise NotImplementedError(
                f"Layer {self.__class__.__name__} supports the quantization "
                f"modes 'int8' and 'int4'. Received: mode={mode}"
            )
        kernel_shape = tuple(self.kernel.shape)
        kernel, kernel_scale = keras.quantizers.abs_max_quantize(
            self.kernel,
            axis=0,
            value_range=(-127, 127) if mode == "int8" else (-8, 7),
            dtype="int8",
            to_numpy=True,
        )
        if mode == "int4":
            kernel, _, _ = keras.quantizers.pack_int4(kernel, axis=-1)
        del self.kernel
        self.quantized_build(kernel_shape, mode)
        self.kernel.assign(kernel)
        self.kernel_scale.assign(ops.squeeze(kernel_scale, axis=0))
        # The policy names the mode: Keras then calls the quantized path, and
        # saves it so that a reloaded layer builds quantized weights. A policy
        # that names it already (it was set, and called this) is kept.
        if self.dtype_policy.quantization_mode is None:
            name = "int4/-1" if mode == "int4" else mode  # -1: a scale per unit
            self.dtype_policy = keras.dtype_policies.get(
                f"{name}_from_{self.dtype_policy.name}"
            )

    def quantized_build(self, kernel_shape: tuple[int, int], mode: str) -> None:
        """Creates the weights of the quantized kernel in place of the kernel."""
        if mode == "int8":
            self._int8_build(kernel_shape)
        elif mode == "int4":
            self._int4_build(kernel_shape)
        else:
            raise NotImplementedError(
                f"Layer {self.__class__.__name__} supports the quantization "
                f"modes 'int8' and 'int4'. Received: mode={mode}"
            )
        # The policy may now name the mode without quantizing the layer again.
        mark_quantized(self)

    def _int8_build(self, kernel_shape: tuple[int, int]) -> None:
        # Quantized weights are not trained: quantize after training.
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        self.kernel_scale = self.add_weight(
            name="kernel_scale",
            shape=(self.units,),
            initializer="ones",
            trainable=False,
        )

    def _int4_build(self, kernel_shape: tuple[int, int]) -> None:
        # The same weights, two 4-bit values packed in each byte of a row.
        input_dim, units = kernel_shape
        self._int8_build((input_dim, (units + 1) // 2))

    def _int8_call(self, inputs: Any) -> Any:
        # Each row of the inputs quantized with a scale of its own, an integer
        # product, and both scales divided out.
        inputs, inputs_scale = keras.quantizers.abs_max_quantize(inputs, axis=-1)
        outputs = ops.cast(ops.matmul(inputs, self.kernel), self.compute_dtype)
        outputs = ops.divide(outputs, ops.multiply(inputs_scale, self.kernel_scale))
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def _int4_call(self, inputs: Any) -> Any:
        # The kernel unpacked to one int8 value per weight; the inputs stay.
        kernel = keras.quantizers.unpack_int4(self.kernel, self.units, axis=-1)
        outputs = ops.matmul(inputs, ops.cast(kernel, self.compute_dtype))
        outputs = ops.divide(outputs, self.kernel_scale)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

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

        - `(.*/)?<name>(_[0-9]+)?/kernel`: the kernel, column-wise, `("batch",
          "model")`.

        `<name>` is Keras's default name of the layer, `scaled_dense`, then
        `scaled_dense_1`, ...: an instance given another `name` needs rules of
        its own.
        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        # Keras's default name of this layer, which the rules match.
        name = "scaled_dense"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/kernel": (data_dim, model_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
