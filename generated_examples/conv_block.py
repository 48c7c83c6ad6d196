"""ConvBlock: a 2D convolutional block with optional normalization and a residual."""

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from keras_scaffold_support import (
    add_layout_rules,
    dtype_policy_config,
    get_keras_object,
    int_tuple,
    invalid_value,
    is_integer,
)


@keras.saving.register_keras_serializable(package="generated_examples")
class ConvBlock(keras.layers.Layer):
    """A 2D convolution, normalization, activation and residual block.

    This layer convolves its inputs with `filters` kernels of size
    `kernel_size` (a `Conv2D`), normalizes the result with `BatchNormalization`
    if `use_norm`, adds its inputs if `use_residual`, and applies `activation`.
    Where the convolution changes the shape (other channels than the inputs',
    or strides above 1) the residual goes through a 1x1 `Conv2D` projection
    with the same strides; otherwise it is the inputs themselves.

    `compute_output_shape` is the convolution's own, so it is right for both
    data formats and for `None` height or width, exactly as
    `keras.layers.Conv2D` computes it. TensorFlow runs `"channels_first"`
    convolutions on a GPU only.

    **Intent**: the building block of a convolutional network for images, as
    in a ResNet: a convolution that can change the number of channels or
    downsample, trained with normalization and a residual path.

    **Architecture**:
    ```
    inputs (batch, height, width, channels)     channels_last
      -> conv: Conv2D(filters, kernel_size, strides, padding)
      -> norm: BatchNormalization()             if use_norm
      -> + residual                             if use_residual:
             inputs, or projection: Conv2D(filters, 1, strides)
      -> activation
    outputs (batch, new_height, new_width, filters)
    ```

    Args:
        filters: Positive integer. Number of output channels of the convolution.
            Required.
        kernel_size: Tuple of positive integers. Height and width of the convolution
            window. Defaults to `(3, 3)`.
        strides: Tuple of positive integers. Strides of the convolution along the
            height and the width. Defaults to `(1, 1)`.
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
        4D tensor with shape `(batch_size, height, width, channels)` if
        `data_format="channels_last"`, or `(batch_size, channels, height,
        width)` if `data_format="channels_first"`.

    Output shape:
        4D tensor with shape `(batch_size, new_height, new_width, filters)` if
        `data_format="channels_last"`, or `(batch_size, filters, new_height,
        new_width)` if `data_format="channels_first"`, as `keras.layers.Conv2D`
        computes it.

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
        ValueError: If `filters` is not a positive integer.
        ValueError: If `kernel_size` is not a positive integer or a tuple of 2
            positive integers.
        ValueError: If `strides` is not a positive integer or a tuple of 2 positive
            integers.
        ValueError: If `padding` is not one of same, valid.
        ValueError: If `data_format` is not one of channels_last, channels_first.
        ValueError: If `activation` is not a Keras activation or its name.
        ValueError: If `use_norm` is not a boolean.
        ValueError: If `use_residual` is not a boolean.
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
        if not is_integer(filters, low=1):
            raise invalid_value("filters", filters, "a positive integer")
        kernel_size = int_tuple(
            "kernel_size",
            kernel_size,
            "a positive integer or a tuple of 2 positive integers",
            length=2,
            low=1,
        )
        strides = int_tuple(
            "strides",
            strides,
            "a positive integer or a tuple of 2 positive integers",
            length=2,
            low=1,
        )
        if padding not in ("same", "valid"):
            raise invalid_value("padding", padding, "one of same, valid")
        if data_format not in ("channels_last", "channels_first"):
            raise invalid_value(
                "data_format", data_format, "one of channels_last, channels_first"
            )
        if not isinstance(use_norm, bool):
            raise invalid_value("use_norm", use_norm, "a boolean")
        if not isinstance(use_residual, bool):
            raise invalid_value("use_residual", use_residual, "a boolean")
        if use_residual and padding == "valid" and kernel_size != (1, 1):
            raise ValueError(
                "A residual needs the convolution to keep the height and "
                "width: use `padding='same'`, a 1x1 kernel or "
                f"`use_residual=False`. Received: padding={padding!r}, "
                f"kernel_size={kernel_size!r}"
            )
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.activation = get_keras_object("activation", activation, "activation")
        self.use_norm = use_norm
        self.use_residual = use_residual
        self.input_spec = keras.InputSpec(ndim=4)
        self.channel_axis = -1 if self.data_format == "channels_last" else 1

        # Sub-layers, in call order, created here once: each with an explicit
        # name and this layer's dtype policy (so that mixed precision reaches
        # it). Replace them and `call()`, and keep `build()` in step.
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
        if channels is None:
            raise ValueError(
                "The channel dimension of the inputs must be defined. "
                f"Received: input_shape={input_shape}"
            )
        # Build each sub-layer in call order, with the shape it receives, so
        # that a saved model finds every weight when it reloads.
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

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        # The convolution's own computation: both data formats, `None` sizes.
        return self.conv.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
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
        """Adds the rules that shard this layer's weights to a `LayoutMap`.

        For `keras.distribution.ModelParallel`: weight matrices split over
        `model_parallel_dim_name` as Megatron-LM's tensor parallelism does, and
        where an axis below says `"batch"`, over `data_parallel_dim_name`, as
        keras-hub's backbones do. With the default axis names:

        - `.*/conv/kernel`: the convolution's kernel, by output channels, `(None,
          None, None, "model")`.
        - `.*/projection/kernel`: the residual projection's kernel, by output
          channels, `(None, None, None, "model")`.

        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        rules = {
            ".*/conv/kernel": (None, None, None, model_dim),
            ".*/projection/kernel": (None, None, None, model_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
