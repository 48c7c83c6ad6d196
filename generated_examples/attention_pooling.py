"""AttentionPooling: an attention pooling over time that consumes the mask; padding
weighs zero."""

import re
from collections.abc import Callable
from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="generated_examples")
class AttentionPooling(keras.layers.Layer):
    """Attention pooling: a learned weighted average over the time axis.

    This layer turns a sequence of feature vectors into one vector. A small
    scoring network (`Dense(hidden_dim, activation)`, then `Dense(1)`) gives
    each step a score, a softmax over the time axis turns the scores into
    weights that sum to one, and the output is the weighted sum of the steps.
    The last `Dense` has no bias: a bias adds the same to every score, which
    the softmax ignores.

    Masks: a padded step (where the mask that comes with the inputs, from
    `keras.layers.Embedding(mask_zero=True)` or `keras.layers.Masking`, is
    `False`) gets a weight of exactly zero, so padding a sequence does not
    change its output; a sequence with no real step gives zeros. The output
    has no time axis, so the layer consumes the mask and passes none on:
    `compute_mask` returns `None`.

    Mixed precision: the scores are cast to float32 and the softmax computed
    there, so that the large negative score of a padded step and the
    exponentials stay finite under `mixed_float16`; the weights and the
    outputs are in the compute dtype.

    **Intent**: summarize a sequence of any length (the outputs of an RNN or
    a transformer encoder) into one vector for a classification or regression
    head, the model learning which steps matter, where
    `keras.layers.GlobalAveragePooling1D` weighs every real step the same.

    **Architecture**:
    ```
    inputs                                    (batch, seq_len, features)
    scores = score_dense(hidden_dense(inputs))
                                              (batch, seq_len, 1), squeezed
                                              and cast to float32
    scores = where(mask, scores, -1e9)        padded steps
    weights = softmax(scores, axis=1)         (batch, seq_len), sum to one
    outputs = sum(weights * inputs, axis=1)   (batch, features)
    ```

    Args:
        hidden_dim: Positive integer. Width of the scoring network's hidden `Dense`
            layer. Required.
        activation: Activation function, or its name. Activation of the scoring
            network's hidden layer. Defaults to `"tanh"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor, of shape `(batch_size, seq_len, features)`.
        mask: Optional boolean tensor of shape `(batch_size, seq_len)`, `True`
            at the real steps and `False` at padding. Keras passes the mask
            that comes with `inputs`. Defaults to `None`: every step is real.

    Input shape:
        3D tensor with shape `(batch_size, seq_len, features)`.

    Output shape:
        2D tensor with shape `(batch_size, features)`, without a mask.

    Attributes:
        hidden_dense: The scoring network's `Dense` layer of width
            `hidden_dim`, with `activation`.
        score_dense: The scoring network's `Dense` layer of one unit, without
            a bias, giving each step its score.

    Example:

    ```python
    layer = AttentionPooling(hidden_dim=8)
    outputs = layer(keras.random.normal((2, 4, 6)))
    ```

    Raises:
        TypeError: If `hidden_dim` is not an integer.
        ValueError: If `hidden_dim` is not a positive integer.
        ValueError: If `activation` is not a Keras activation or its name.
    """

    def __init__(
        self,
        hidden_dim: int,
        activation: str | Callable[..., Any] | None = "tanh",
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
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        try:
            self.activation = keras.activations.get(activation)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `activation`, "
                "expected a Keras activation or its name. "
                f"Received: activation={activation!r}"
            ) from error
        self.input_spec = keras.InputSpec(ndim=3)
        # Keras passes the inputs' mask to `call()` (it takes `mask`) and warns
        # that a layer which does not support masking destroys it.
        self.supports_masking = True

        # Sub-layers, in call order, created here once: each with an explicit
        # name and this layer's dtype policy. Replace them and `call()`, and
        # keep `build()` in step with `call()`.
        self.hidden_dense = keras.layers.Dense(
            self.hidden_dim,
            activation=self.activation,
            dtype=self.dtype_policy,
            name="hidden_dense",
        )
        self.score_dense = keras.layers.Dense(
            1, use_bias=False, dtype=self.dtype_policy, name="score_dense"
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Build each sub-layer in call order, with the shape it receives.
        self.hidden_dense.build(input_shape)
        hidden_shape = self.hidden_dense.compute_output_shape(input_shape)
        self.score_dense.build(hidden_shape)
        self.input_spec = keras.InputSpec(ndim=3, axes={-1: input_shape[-1]})

    def call(self, inputs: Any, mask: Any | None = None) -> Any:
        # One score a step, cast to float32 for a stable softmax.
        scores = self.score_dense(self.hidden_dense(inputs))
        scores = ops.cast(ops.squeeze(scores, axis=-1), "float32")
        if mask is not None:
            mask = ops.cast(mask, "bool")
            # A padded step's weight is exp(-1e9 - max), exactly 0 in float32.
            scores = ops.where(mask, scores, -1e9)
        weights = ops.softmax(scores, axis=-1)
        if mask is not None:
            # A sequence with no real step gets no weight at all.
            weights = ops.where(mask, weights, 0.0)
        weights = ops.cast(weights, self.compute_dtype)
        return ops.sum(ops.multiply(inputs, ops.expand_dims(weights, -1)), axis=1)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return (input_shape[0], input_shape[-1])

    def compute_mask(self, inputs: Any, mask: Any | None = None) -> None:
        # The time axis, which the mask is on, is pooled away.
        return None

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = self._dtype_policy_config()
        config = {
            "hidden_dim": self.hidden_dim,
            "activation": keras.activations.serialize(self.activation),
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

        - `.*/hidden_dense/kernel`: the scoring projection's kernel, column-wise:
          `("batch", "model")`.
        - `.*/score_dense/kernel`: the score's kernel, row-wise:
          `("model", None)`.

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
        layout_map = AttentionPooling.get_layout_map(mesh)
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
            ".*/score_dense/kernel": (
                model_dim,
                None,
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
