from collections.abc import Callable
from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class AttentionPooling(keras.layers.Layer):
    """Attention pooling: a learned weighted average over the time axis.

    This layer turns a sequence of feature vectors into one vector: a small
    scoring network gives each step a score, a softmax over the time axis turns
    the scores into weights, and the output is the weighted sum of the steps.

    A padded step (where the inputs' mask is `False`) weighs exactly zero, and
    a sequence with no real step gives zeros; the layer consumes the mask. The
    softmax is computed in float32, which stays finite under `mixed_float16`.

    **Intent**: summarize a sequence of any length (an RNN's or a transformer's
    outputs) into one vector, learning which steps matter, where
    `keras.layers.GlobalAveragePooling1D` weighs every real step the same.

    **Architecture**:
    ```
    inputs                                    (batch, seq_len, features)
    scores = score_dense(hidden_dense(inputs))
                                              (batch, seq_len), in float32
    weights = softmax(where(mask, scores, -1e9), axis=1)
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
        ValueError: If an argument is not as `Args` describes it.
    """

    def __init__(
        self,
        hidden_dim: int,
        activation: str | Callable[..., Any] | None = "tanh",
        **kwargs: Any,
    ) -> None:
        support.check_integer("hidden_dim", hidden_dim, low=1)
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.activation = keras.activations.get(activation)
        self.input_spec = keras.InputSpec(ndim=3)
        # Keras passes the inputs' mask to `call()` (it takes `mask`) and warns
        # that a layer which does not support masking destroys it.
        self.supports_masking = True

        # Sub-layers, created here once with this layer's dtype policy, each
        # named; `build()` builds them in call order.
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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[-1])

    def compute_mask(self, inputs: Any, mask: Any | None = None) -> None:
        # The time axis, which the mask is on, is pooled away.
        return None

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
        config = {
            "hidden_dim": self.hidden_dim,
            "activation": keras.activations.serialize(self.activation),
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
        model, data = model_parallel_dim_name, data_parallel_dim_name
        rules = {
            ".*/hidden_dense/kernel": (data, model),
            ".*/score_dense/kernel": (model, None),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
