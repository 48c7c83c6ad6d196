"""AttentionPooling: an attention pooling over time that consumes the mask; padding
weighs zero."""

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from keras_scaffold_support import (
    add_layout_rules,
    dtype_policy_config,
    get_keras_object,
    invalid_value,
    is_integer,
)


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
        ValueError: If `hidden_dim` is not a positive integer.
        ValueError: If `activation` is not a Keras activation or its name.
    """

    def __init__(
        self,
        hidden_dim: int,
        activation: str | Callable[..., Any] | None = "tanh",
        **kwargs: Any,
    ) -> None:
        if not is_integer(hidden_dim, low=1):
            raise invalid_value("hidden_dim", hidden_dim, "a positive integer")
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.activation = get_keras_object("activation", activation, "activation")
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
        base_config["dtype"] = dtype_policy_config(self)
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
        """Adds the rules that shard this layer's weights to a `LayoutMap`.

        For `keras.distribution.ModelParallel`: weight matrices split over
        `model_parallel_dim_name` as Megatron-LM's tensor parallelism does, and
        where an axis below says `"batch"`, over `data_parallel_dim_name`, as
        keras-hub's backbones do. With the default axis names:

        - `.*/hidden_dense/kernel`: the scoring projection's kernel, column-wise,
          `("batch", "model")`.
        - `.*/score_dense/kernel`: the score's kernel, row-wise, `("model",
          None)`.

        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        rules = {
            ".*/hidden_dense/kernel": (data_dim, model_dim),
            ".*/score_dense/kernel": (model_dim, None),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
