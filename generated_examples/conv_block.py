from collections.abc import Callable
from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class ConvBlock(keras.layers.Layer):
    """A 2D convolution, normalization, activation and residual block.

    This layer convolves its inputs (a `Conv2D` of `filters` kernels),
    normalizes the result with `BatchNormalization` if `use_norm`, adds its
    inputs if `use_residual` (through a 1x1 `Conv2D` where the shape changes)
    and applies `activation`. Both data formats work; TensorFlow runs
    `"channels_first"` convolutions on a GPU only.

    **Intent**: the building block of a convolutional network for images, as
    in a ResNet.

    **Architecture**:
    ```
    inputs (batch, height, width, channels)     channels_last
      -> conv: Conv2D(filters, kernel_size, strides, padding)
      -> norm: BatchNormalization()             if use_norm
      -> + inputs, or projection(inputs)        if use_residual
      -> activation
    outputs (batch, new_height, new_width, filters)
    ```

    Args:
        filters: Positive integer. Number of output channels of the convolution.
            Required.
        kernel_size: Positive integer or a tuple of 2 positive integers. Height and
            width of the convolution window. Defaults to `(3, 3)`.
        strides: Positive integer or a tuple of 2 positive integers. Strides of the
            convolution along the height and the width. Defaults to `(1, 1)`.
        padding: One of `"same"`, `"valid"`. `"same"` pads so that the output has
            the input's size divided by the strides; `"valid"` does not pad. Defaults to
            `"same"`.
        data_format: One of `"channels_last"`, `"channels_first"`. The position of
            the channels: `"channels_last"` for inputs of shape `(batch, height, width,
            channels)`, `"channels_first"` for `(batch, channels, height, width)`.
            Defaults to `"channels_last"`.
        activation: Activation function, or its name. Applied after the residual
            sum; `None` means linear. Defaults to `"relu"`.
        use_norm: Boolean. Whether a `BatchNormalization` follows the convolution
            (which then has no bias). Defaults to `True`.
        use_residual: Boolean. Whether the block adds its inputs (projected by a 1x1
            `Conv2D` where the shapes differ) to the convolution's output; needs
            `padding="same"` unless the kernel is 1x1. Defaults to `True`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor, 4D.
        training: Python boolean, whether the call is in training mode or in
            inference mode. `BatchNormalization` uses the batch's statistics
            and moves its moving statistics in training only.

    Input shape:
        4D tensor `(batch_size, height, width, channels)` (channels last), or
        `(batch_size, channels, height, width)` (channels first).

    Output shape:
        4D tensor `(batch_size, new_height, new_width, filters)`, or
        `(batch_size, filters, new_height, new_width)`, as `Conv2D` gives it.

    Attributes:
        conv: The `Conv2D` layer.
        norm: The `BatchNormalization` layer, or `None` when `use_norm` is
            `False`.
        projection: The 1x1 `Conv2D` on the residual path, created in
            `build()` where the shapes differ; otherwise `None`.

    Example:

    ```python
    layer = ConvBlock(filters=8, strides=(2, 2))
    outputs = layer(keras.random.normal((2, 6, 6, 3)))
    ```

    Raises:
        ValueError: If an argument is not as `Args` describes it.
        ValueError: If `use_residual` is `True` with `padding="valid"` and a kernel
            larger than 1x1.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, ...] = (3, 3),
        strides: int | tuple[int, ...] = (1, 1),
        padding: str = "same",
        data_format: str = "channels_last",
        activation: str | Callable[..., Any] | None = "relu",
        use_norm: bool = True,
        use_residual: bool = True,
        **kwargs: Any,
    ) -> None:
        support.check_integer("filters", filters, low=1)
        kernel_size = support.int_tuple(
            "kernel_size",
            kernel_size,
            "a positive integer or a tuple of 2 positive integers",
            length=2,
            low=1,
        )
        strides = support.int_tuple(
            "strides",
            strides,
            "a positive integer or a tuple of 2 positive integers",
            length=2,
            low=1,
        )
        support.check_string("padding", padding, ("same", "valid"))
        support.check_string(
            "data_format", data_format, ("channels_last", "channels_first")
        )
        support.check_boolean("use_norm", use_norm)
        support.check_boolean("use_residual", use_residual)
        if use_residual and padding == "valid" and kernel_size != (1, 1):
            raise ValueError(
                "A residual needs the convolution to keep the height and width: use "
                "`padding='same'`, a 1x1 kernel or `use_residual=False`. Received: "
                f"padding={padding!r}, kernel_size={kernel_size!r}"
            )
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.activation = keras.activations.get(activation)
        self.use_norm = use_norm
        self.use_residual = use_residual
        self.input_spec = keras.InputSpec(ndim=4)
        self.channel_axis = -1 if self.data_format == "channels_last" else 1

        # Sub-layers, created here once with this layer's dtype policy, each
        # named; `build()` builds them in call order.
        self.conv = keras.layers.Conv2D(
            self.filters,
            self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            use_bias=not self.use_norm,
            dtype=self.dtype_policy,
            name="conv",
        )
        self.norm = None
        if self.use_norm:
            self.norm = keras.layers.BatchNormalization(
                axis=self.channel_axis, dtype=self.dtype_policy, name="norm"
            )
        # Made in `build()`: whether it is needed depends on the input channels.
        self.projection = None

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        channels = input_shape[self.channel_axis]
        # Each sub-layer in call order, with the shape it receives.
        self.conv.build(input_shape)
        conv_shape = self.conv.compute_output_shape(input_shape)
        if self.norm is not None:
            self.norm.build(conv_shape)
        reshaped = channels != self.filters or self.strides != (1, 1)
        if self.use_residual and reshaped and self.projection is None:
            self.projection = keras.layers.Conv2D(
                self.filters,
                1,
                strides=self.strides,
                padding="same",
                data_format=self.data_format,
                dtype=self.dtype_policy,
                name="projection",
            )
        if self.projection is not None:
            self.projection.build(input_shape)
        self.input_spec = keras.InputSpec(ndim=4, axes={self.channel_axis: channels})

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        x = self.conv(inputs)
        if self.norm is not None:
            x = self.norm(x, training=training)
        # The residual path: the inputs, projected where the shapes differ.
        if self.use_residual:
            residual = inputs
            if self.projection is not None:
                residual = self.projection(inputs)
            x = ops.add(x, residual)
        return self.activation(x)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        # The convolution's own computation: both data formats, `None` sizes.
        return self.conv.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
        config = {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": keras.activations.serialize(self.activation),
            "use_norm": self.use_norm,
            "use_residual": self.use_residual,
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
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one)."""
        model = model_parallel_dim_name
        rules = {
            ".*/conv/kernel": (None, None, None, model),
            ".*/projection/kernel": (None, None, None, model),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
