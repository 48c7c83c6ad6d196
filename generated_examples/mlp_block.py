"""MlpBlock: a block of fixed sub-layers, created in `__init__`, built in `build()`."""

import re
from collections.abc import Callable
from typing import Any

import keras


@keras.saving.register_keras_serializable(package="generated_examples")
class MlpBlock(keras.layers.Layer):
    """A feed-forward block made of fixed sub-layers.

    This layer projects its inputs to `hidden_dim` features with
    `activation`, applies dropout in training and, if `use_norm`, layer
    normalization, then projects to `output_dim` features. It has no weights of
    its own: its sub-layers hold them.

    Every sub-layer works on the last axis alone, so the layer keeps the mask
    of its inputs (from `keras.layers.Embedding(mask_zero=True)` or
    `keras.layers.Masking`) on its outputs.

    **Intent**: a position-wise feed-forward block, as in a transformer: widen
    each feature vector, apply a non-linearity, regularize, and project it
    back to `output_dim` features.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> hidden_dense: Dense(hidden_dim, activation)
      -> dropout: Dropout(dropout_rate)           in training only
      -> layer_norm: LayerNormalization()         if use_norm
      -> output_dense: Dense(output_dim)
    outputs (..., output_dim)
    ```

    Args:
        hidden_dim: Positive integer. Width of the hidden `Dense` layer. Required.
        output_dim: Positive integer. Dimensionality of the output space. Required.
        activation: Activation function, or its name. Applied to the hidden `Dense`
            layer's output. Defaults to `"gelu"`.
        dropout_rate: Float between 0 and 1. Fraction of the hidden units dropped in
            training. Defaults to `0.1`.
        use_norm: Boolean. Whether a `LayerNormalization` follows the dropout.
            Defaults to `True`.
        kernel_initializer: Initializer, or its name. Initializer for both `Dense`
            kernels; each gets its own copy. Defaults to `"glorot_uniform"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.
        training: Python boolean, whether the call is in training mode or in
            inference mode.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., output_dim)`.

    Attributes:
        hidden_dense: The `Dense` layer of width `hidden_dim`, with `activation`.
        dropout: The `Dropout` layer applied to the hidden features.
        layer_norm: The `LayerNormalization` layer, or `None` when `use_norm`
            is `False`.
        output_dense: The `Dense` layer projecting to `output_dim`.

    Example:

    ```python
    layer = MlpBlock(hidden_dim=8, output_dim=4)
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        TypeError: If `hidden_dim` is not an integer.
        ValueError: If `hidden_dim` is not a positive integer.
        TypeError: If `output_dim` is not an integer.
        ValueError: If `output_dim` is not a positive integer.
        ValueError: If `activation` is not a Keras activation or its name.
        TypeError: If `dropout_rate` is not a number.
        ValueError: If `dropout_rate` is not a float between 0 and 1.
        TypeError: If `use_norm` is not a boolean.
        ValueError: If `kernel_initializer` is not a Keras initializer or its name.
        ValueError: If `hidden_dim` is below 2 and `use_norm` is `True`.
        ValueError: If `dropout_rate` is 1.
    """

    def __init__(
        self,
        hidden_dim: int,
        output_dim: int,
        activation: str | Callable[..., Any] | None = "gelu",
        dropout_rate: float = 0.1,
        use_norm: bool = True,
        kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        if not isinstance(hidden_dim, int) or isinstance(hidden_dim, bool):
            raise TypeError(
                "Received an invalid value for `hidden_dim`, "
                "expected a positive integer. "
                f"Received: hidden_dim={hidden_dim!r}"
            )
        if hidden_dim < 1:
            raise ValueError(
                "Received an invalid value for `hidden_dim`, "
                "expected a positive integer. "
                f"Received: hidden_dim={hidden_dim!r}"
            )
        if not isinstance(output_dim, int) or isinstance(output_dim, bool):
            raise TypeError(
                "Received an invalid value for `output_dim`, "
                "expected a positive integer. "
                f"Received: output_dim={output_dim!r}"
            )
        if output_dim < 1:
            raise ValueError(
                "Received an invalid value for `output_dim`, "
                "expected a positive integer. "
                f"Received: output_dim={output_dim!r}"
            )
        if not isinstance(dropout_rate, (int, float)) or isinstance(dropout_rate, bool):
            raise TypeError(
                "Received an invalid value for `dropout_rate`, "
                "expected a float between 0 and 1. "
                f"Received: dropout_rate={dropout_rate!r}"
            )
        if dropout_rate < 0 or dropout_rate > 1:
            raise ValueError(
                "Received an invalid value for `dropout_rate`, "
                "expected a float between 0 and 1. "
                f"Received: dropout_rate={dropout_rate!r}"
            )
        if not isinstance(use_norm, bool):
            raise TypeError(
                "Received an invalid value for `use_norm`, "
                "expected a boolean. "
                f"Received: use_norm={use_norm!r}"
            )
        if use_norm and hidden_dim < 2:
            raise ValueError(
                "`hidden_dim` must be at least 2 with `use_norm`: layer "
                "normalization of a single feature is a constant, and no "
                "gradient reaches the layers before it. Received: "
                f"hidden_dim={hidden_dim}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every "
                "unit, and no gradient reaches the layers before the "
                f"dropout. Received: dropout_rate={dropout_rate}"
            )
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.output_dim = output_dim
        try:
            self.activation = keras.activations.get(activation)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `activation`, "
                "expected a Keras activation or its name. "
                f"Received: activation={activation!r}"
            ) from error
        self.dropout_rate = dropout_rate
        self.use_norm = use_norm
        try:
            self.kernel_initializer = keras.initializers.get(kernel_initializer)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `kernel_initializer`, "
                "expected a Keras initializer or its name. "
                f"Received: kernel_initializer={kernel_initializer!r}"
            ) from error
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True

        # Sub-layers, in call order, created here once: each with an explicit
        # name, this layer's dtype policy (so that mixed precision reaches it)
        # and its own copy of the initializer. Replace them and `call()`, and
        # keep `build()` in step with `call()`.
        self.hidden_dense = keras.layers.Dense(
            self.hidden_dim,
            activation=self.activation,
            kernel_initializer=self._clone_kernel_initializer(),
            dtype=self.dtype_policy,
            name="hidden_dense",
        )
        self.dropout = keras.layers.Dropout(
            self.dropout_rate, dtype=self.dtype_policy, name="dropout"
        )
        self.layer_norm = None
        if self.use_norm:
            self.layer_norm = keras.layers.LayerNormalization(
                dtype=self.dtype_policy, name="layer_norm"
            )
        self.output_dense = keras.layers.Dense(
            self.output_dim,
            kernel_initializer=self._clone_kernel_initializer(),
            dtype=self.dtype_policy,
            name="output_dense",
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Build each sub-layer in call order, with the shape it receives, so
        # that a saved model finds every weight when it reloads.
        self.hidden_dense.build(input_shape)
        hidden_shape = self.hidden_dense.compute_output_shape(input_shape)
        self.dropout.build(hidden_shape)
        if self.layer_norm is not None:
            self.layer_norm.build(hidden_shape)
        self.output_dense.build(hidden_shape)
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        # Hidden projection.
        x = self.hidden_dense(inputs, training=training)
        x = self.dropout(x, training=training)

        # Optional normalization.
        if self.layer_norm is not None:
            x = self.layer_norm(x)

        # Output projection.
        return self.output_dense(x, training=training)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def _clone_kernel_initializer(self) -> Any:
        """A fresh copy of `kernel_initializer`, so no sub-layer shares one.

        A shared unseeded initializer would give same-shaped kernels the same
        values. A plain function holds no state and is passed as it is.
        """
        initializer = self.kernel_initializer
        if isinstance(initializer, keras.initializers.Initializer):
            return initializer.__class__.from_config(initializer.get_config())
        return initializer

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = self._dtype_policy_config()
        config = {
            "hidden_dim": self.hidden_dim,
            "output_dim": self.output_dim,
            "activation": keras.activations.serialize(self.activation),
            "dropout_rate": self.dropout_rate,
            "use_norm": self.use_norm,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
        return {**base_config, **config}

    def _dtype_policy_config(self) -> dict[str, Any]:
        """This layer's dtype policy as `get_config` saves it, with the
        policy of each quantized sub-layer.

        A model reloading this layer re-creates its sub-layers from its
        policy alone, so after `model.quantize()` a quantized sub-layer would
        come back unquantized, and its saved weights would not fit it. As
        keras-hub's `Backbone.get_config` does, the policy saved is then a
        `keras.dtype_policies.DTypePolicyMap`: this layer's policy, and the
        policy of each quantized sub-layer, which the sub-layer reads back when
        it is built. Each is keyed by its path below this layer, under any
        outer path: a model reloads its layers under other paths than it saved
        them (`sequential/my_block/dense` saved, `my_block/dense` reloaded).
        """
        policy = self.dtype_policy
        if not isinstance(policy, keras.dtype_policies.DTypePolicyMap):
            quantized = keras.dtype_policies.DTypePolicyMap(default_policy=policy)
            prefix = f"{self.path}/"
            # Keras has no public walk of a layer's sub-layers; `Model.quantize`
            # and keras-hub's `Backbone` use this one.
            for layer in self._flatten_layers(include_self=False):
                # A sub-layer built outside this layer (one given already
                # built) saves its own policy in its own config.
                if layer.quantization_mode is not None and (
                    layer.path.startswith(prefix)
                ):
                    below = layer.path.removeprefix(prefix)
                    key = "(.*/)?" + re.escape(f"{self.name}/{below}")
                    quantized[key] = layer.dtype_policy
            if len(quantized):
                policy = quantized
        return keras.dtype_policies.serialize(policy)

    @staticmethod
    def get_layout_map(
        device_mesh: keras.distribution.DeviceMesh,
        model_parallel_dim_name: str = "model",
        data_parallel_dim_name: str = "batch",
        layout_map: keras.distribution.LayoutMap | None = None,
    ) -> keras.distribution.LayoutMap:
        """Adds the rules that shard this layer's weights to a `LayoutMap`.

        The rules split the weight matrices over the mesh axis
        `model_parallel_dim_name` as Megatron-LM's tensor parallelism does (a
        first projection column-wise, the next row-wise, attention by heads,
        embeddings by rows) and, where the axes below say `batch`, another axis
        over `data_parallel_dim_name`, as keras-hub's backbones do; XLA inserts
        the collectives. Every axis split must divide by the size of its mesh
        axis. Other weights (biases, normalization) are replicated. With the
        default axis names:

        - `.*/hidden_dense/kernel`: the first projection's kernel, column-wise:
          `("batch", "model")`.
        - `.*/output_dense/kernel`: the second projection's kernel, row-wise:
          `("model", "batch")`.

        The rules match the sub-layers' names under any outer layer, so one map
        serves every instance in a model; rules of other classes chain into the
        same map through `layout_map`.

        Args:
            device_mesh: The `keras.distribution.DeviceMesh` to shard over; used
                when `layout_map` is `None`.
            model_parallel_dim_name: The mesh axis the weight matrices are
                split over. Defaults to `"model"`.
            data_parallel_dim_name: The mesh axis the batch is split over,
                which the rules marked `"batch"` split weights over too.
                Defaults to `"batch"`.
            layout_map: The `keras.distribution.LayoutMap` to add the rules to,
                such as another class's `get_layout_map()`. Defaults to `None`:
                a new `keras.distribution.LayoutMap(device_mesh)`.

        Returns:
            `layout_map`, holding these rules.

        Raises:
            ValueError: If `layout_map` holds one of these keys with another
                layout.

        Example:

        ```python
        mesh = keras.distribution.DeviceMesh(
            shape=(2, 4),
            axis_names=("batch", "model"),
            devices=keras.distribution.list_devices(),
        )
        layout_map = MlpBlock.get_layout_map(mesh)
        keras.distribution.set_distribution(
            keras.distribution.ModelParallel(
                layout_map=layout_map, batch_dim_name="batch"
            )
        )
        ```
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        if layout_map is None:
            layout_map = keras.distribution.LayoutMap(device_mesh)
        rules = {
            ".*/hidden_dense/kernel": (
                data_dim,
                model_dim,
            ),
            ".*/output_dense/kernel": (
                model_dim,
                data_dim,
            ),
        }
        # `key in layout_map` matches `key` as a path against every rule; the
        # keys themselves are what a second class's identical rule must find.
        keys = list(layout_map)
        for key, axes in rules.items():
            if key not in keys:
                layout_map[key] = axes
            elif tuple(layout_map[key].axes) != axes:
                raise ValueError(
                    f"The layout map already holds '{key}' as "
                    f"{tuple(layout_map[key].axes)}, not {axes}. Received: "
                    f"model_parallel_dim_name={model_parallel_dim_name}, "
                    f"data_parallel_dim_name={data_parallel_dim_name}"
                )
        return layout_map
