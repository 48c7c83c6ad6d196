"""DenseStack: a stack of `Dense` sub-layers, one per entry of a tuple of sizes."""

import numbers
import re
from collections.abc import Callable
from typing import Any

import keras


@keras.saving.register_keras_serializable(package="generated_examples")
class DenseStack(keras.layers.Layer):
    """A stack of `Dense` layers, one per entry of `hidden_dims`.

    This layer applies one `Dense` layer per entry of `hidden_dims`, in
    order, each followed by `activation`. It has no weights of its own: the
    sub-layers hold them, kept in a list attribute that Keras tracks, so their
    weights are this layer's weights and are saved with it.

    Every `Dense` layer works on the last axis alone, so the layer keeps the
    mask of its inputs (from `keras.layers.Embedding(mask_zero=True)` or
    `keras.layers.Masking`) on its outputs.

    **Intent**: a multi-layer perceptron applied to each feature vector, its
    depth and widths chosen by an argument.

    **Architecture**:
    ```
    inputs (..., input_dim)
      -> dense_0: Dense(hidden_dims[0], activation)
      -> dense_1: Dense(hidden_dims[1], activation)
      -> ...
      -> dense_{n-1}: Dense(hidden_dims[-1], activation)
    outputs (..., hidden_dims[-1])
    ```

    Args:
        hidden_dims: Tuple of positive integers. Width of each `Dense` layer, in
            call order; the last is the output size. Defaults to `(16, 8)`.
        activation: Activation function, or its name. Applied to the output of every
            `Dense` layer. Defaults to `"relu"`.
        use_bias: Boolean. Whether every `Dense` layer adds a learned bias vector.
            Defaults to `True`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., hidden_dims[-1])`.

    Attributes:
        dense_layers: The list of `Dense` layers, one per entry of `hidden_dims`,
            in call order, named `dense_0`, `dense_1`, ...

    Example:

    ```python
    layer = DenseStack()
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        TypeError: If `hidden_dims` is not a tuple of integers.
        ValueError: If `hidden_dims` is not a non-empty tuple of positive integers.
        ValueError: If `activation` is not a Keras activation or its name.
        TypeError: If `use_bias` is not a boolean.
    """

    def __init__(
        self,
        hidden_dims: tuple[int, ...] = (16, 8),
        activation: str | Callable[..., Any] | None = "relu",
        use_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        if not isinstance(hidden_dims, (tuple, list)) or not all(
            isinstance(value, numbers.Integral) and not isinstance(value, bool)
            for value in hidden_dims
        ):
            raise TypeError(
                "Received an invalid value for `hidden_dims`, "
                "expected a non-empty tuple of positive integers. "
                f"Received: hidden_dims={hidden_dims!r}"
            )
        if not hidden_dims or any(value < 1 for value in hidden_dims):
            raise ValueError(
                "Received an invalid value for `hidden_dims`, "
                "expected a non-empty tuple of positive integers. "
                f"Received: hidden_dims={hidden_dims!r}"
            )

        # Plain ints (NumPy's too), so that the config is JSON.
        hidden_dims = tuple(int(value) for value in hidden_dims)
        if not isinstance(use_bias, bool):
            raise TypeError(
                "Received an invalid value for `use_bias`, "
                "expected a boolean. "
                f"Received: use_bias={use_bias!r}"
            )
        super().__init__(**kwargs)
        self.hidden_dims = tuple(hidden_dims)
        try:
            self.activation = keras.activations.get(activation)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `activation`, "
                "expected a Keras activation or its name. "
                f"Received: activation={activation!r}"
            ) from error
        self.use_bias = use_bias
        self.input_spec = keras.InputSpec(min_ndim=2)
        self.supports_masking = True

        # Sub-layers, in call order, made from the arguments here once. Keras
        # tracks a list attribute's layers; each is named after its position
        # and follows this layer's dtype policy. Replace them and `call()`, and
        # keep `build()` in step with `call()`.
        self.dense_layers = [
            keras.layers.Dense(
                units,
                activation=self.activation,
                use_bias=self.use_bias,
                dtype=self.dtype_policy,
                name=f"dense_{index}",
            )
            for index, units in enumerate(self.hidden_dims)
        ]

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Build each sub-layer in call order, carrying the shape from one to
        # the next: without this, a built layer would report no weights and a
        # saved model could not restore them.
        shape = tuple(input_shape)
        for layer in self.dense_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs: Any) -> Any:
        x = inputs
        for layer in self.dense_layers:
            x = layer(x)
        return x

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.hidden_dims[-1],)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = self._dtype_policy_config()
        config = {
            "hidden_dims": list(self.hidden_dims),
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
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

        - `(.*/)?<name>(_[0-9]+)?/dense_[0-9]*[02468]/kernel`: the kernels of
          `dense_0`, `dense_2`, ..., column-wise:
          `("batch", "model")`.
        - `(.*/)?<name>(_[0-9]+)?/dense_[0-9]*[13579]/kernel`: the kernels of
          `dense_1`, `dense_3`, ..., row-wise:
          `("model", "batch")`.

        `<name>` is Keras's default name of the layer, `dense_stack`, then
        `dense_stack_1`, ..., under any outer layer: an instance given another
        `name` needs rules of its own. Rules of other classes chain into the
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
        layout_map = DenseStack.get_layout_map(mesh)
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
        # Keras's default name of this layer, which the rules match.
        name = "dense_stack"
        rules = {
            f"(.*/)?{name}(_[0-9]+)?/dense_[0-9]*[02468]/kernel": (
                data_dim,
                model_dim,
            ),
            f"(.*/)?{name}(_[0-9]+)?/dense_[0-9]*[13579]/kernel": (
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
