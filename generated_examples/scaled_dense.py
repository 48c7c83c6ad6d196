from collections.abc import Callable
from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class ScaledDense(keras.layers.Layer):
    """A linear projection with its own kernel and optional bias.

    This layer computes `activation(inputs @ kernel + bias)` with weights of
    its own, created in `build()` from the last input dimension. It keeps the
    mask of its inputs on its outputs, as `keras.layers.Dense` does.

    Quantization: `model.quantize("int8")` replaces the kernel with an int8
    kernel and one scale per unit, and calls multiply int8 inputs (quantized
    per row) by it, as `keras.layers.Dense` does; `"int4"` packs two 4-bit
    values in each byte. A saved quantized model reloads quantized.

    **Intent**: a learned linear projection of each feature vector.

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
        ValueError: If an argument is not as `Args` describes it.
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
        support.check_integer("units", units, low=1)
        support.check_boolean("use_bias", use_bias)
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = None
        self.bias = None
        self.kernel_scale = None

    # Weights are created here, from the input shape, so that a saved model
    # reloads them.
    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_dim = input_shape[-1]
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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    # Quantization, as Keras's guide "Writing Quantization-Compatible Layers"
    # and `keras.layers.Dense` do it: `quantize()` replaces the kernel, and Keras
    # calls `_int8_call()` or `_int4_call()` in place of `call()` once the dtype
    # policy names the mode. Change them with `call()`, or delete them all.
    def quantize(
        self, mode: str | None = None, type_check: bool = True, config: Any = None
    ) -> None:
        """Quantizes the kernel to `mode`, `"int8"` or `"int4"`, for serving: one
        scale per unit, with Keras's default quantizers (`config`'s are not
        used). Another mode, or a subclass, raises `NotImplementedError`, which
        `model.quantize(mode)` takes as leaving the layer as it is."""
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
        # The policy names the mode, so that Keras calls the quantized path and
        # a reloaded layer builds quantized weights; one naming it already stays.
        if self.dtype_policy.quantization_mode is None:
            name = "int4/-1" if mode == "int4" else mode  # -1: a scale per unit
            self.dtype_policy = f"{name}_from_{self.dtype_policy.name}"

    def quantized_build(self, kernel_shape: tuple[int, int], mode: str) -> None:
        """Creates the quantized kernel (int4: two 4-bit values in each byte of a
        row) and its scales in place of the kernel; they are not trained."""
        input_dim, units = kernel_shape
        if mode == "int4":
            units = (units + 1) // 2
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, units),
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
        support.mark_quantized(self)

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
        """Adds the rules below, which shard this layer's weights for
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one).

        The rules match Keras's default names, `scaled_dense`, `scaled_dense_1`,
        ...: a layer named otherwise needs rules of its own.
        """
        model, data = model_parallel_dim_name, data_parallel_dim_name
        name = "scaled_dense"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/kernel": (data, model),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
