"""TokenAndPositionEmbedding: token plus learned position embeddings, with a padding
mask for token id 0."""

from typing import Any

import keras
from keras import ops

from keras_scaffold_support import (
    add_layout_rules,
    dtype_policy_config,
    invalid_value,
    is_integer,
)


@keras.saving.register_keras_serializable(package="generated_examples")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Token embedding plus a learned position embedding.

    This layer maps a sequence of token ids to a sequence of vectors: the
    embedding of each token (a `keras.layers.Embedding` with one row per token
    id) plus the embedding of its position in the sequence (a second
    `keras.layers.Embedding` with one row per position, up to
    `sequence_length`), as keras-hub's `TokenAndPositionEmbedding` does. Both
    are learned.

    Sequences may be shorter than `sequence_length`, and their length may
    change from batch to batch (`None` in a `keras.Input`): a sequence of
    `seq_len` tokens gets the first `seq_len` position vectors. A longer
    sequence, which has no position vector for its last tokens, is refused:
    with a `ValueError` where its length is known before the call runs (eager
    calls, JAX and PyTorch, and TensorFlow's first trace of a function), else
    by the backend, which cannot slice that many position vectors
    (TensorFlow's `InvalidArgumentError`, with XLA too).

    With `mask_zero=True`, token id 0 is padding: `compute_mask` returns a
    boolean mask, `False` at every 0, which Keras attaches to the outputs for
    the layers that follow (attention, RNNs, masked pooling), as
    `keras.layers.Embedding(mask_zero=True)` does. The vectors at padding are
    computed like the others; the mask tells the next layers to ignore them.

    **Intent**: the input layer of a transformer on text or other token
    sequences: one vector per token that says both which token it is and
    where it stands, since attention alone does not see the order.

    **Architecture**:
    ```
    inputs                                    (batch, seq_len), token ids
    tokens = token_embedding(inputs)          (batch, seq_len, embedding_dim)
    positions = position_embedding(arange(seq_len))
                                              (seq_len, embedding_dim)
    outputs = tokens + positions              (batch, seq_len, embedding_dim)
    mask = inputs != 0                        if mask_zero, else none
    ```

    Args:
        vocabulary_size: Positive integer. Number of distinct token ids; ids are in
            `[0, vocabulary_size)`. Required.
        sequence_length: Positive integer. Maximum length of an input sequence, the
            number of learned position vectors. Required.
        embedding_dim: Positive integer. Size of each output vector. Required.
        mask_zero: Boolean. Whether token id 0 is padding, masked for the layers
            that follow; then `vocabulary_size` counts it. Defaults to `False`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Integer tensor of token ids, of shape `(batch_size, seq_len)`
            with `seq_len` at most `sequence_length`.

    Input shape:
        2D integer tensor with shape `(batch_size, seq_len)`.

    Output shape:
        3D tensor with shape `(batch_size, seq_len, embedding_dim)`, in the
        layer's compute dtype.

    Attributes:
        token_embedding: The `Embedding` layer of the token ids, with a
            `(vocabulary_size, embedding_dim)` table and `mask_zero`.
        position_embedding: The `Embedding` layer of the positions, with a
            `(sequence_length, embedding_dim)` table.

    Example:

    ```python
    layer = TokenAndPositionEmbedding(
        vocabulary_size=20,
        sequence_length=8,
        embedding_dim=6,
    )
    token_ids = keras.random.randint((2, 5), minval=0, maxval=20)
    outputs = layer(token_ids)
    ```

    Raises:
        ValueError: If `vocabulary_size` is not a positive integer.
        ValueError: If `sequence_length` is not a positive integer.
        ValueError: If `embedding_dim` is not a positive integer.
        ValueError: If `mask_zero` is not a boolean.
        ValueError: If the inputs' sequence length is known before the call
            runs and is longer than `sequence_length`.
    """

    def __init__(
        self,
        vocabulary_size: int,
        sequence_length: int,
        embedding_dim: int,
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        if not is_integer(vocabulary_size, low=1):
            raise invalid_value(
                "vocabulary_size", vocabulary_size, "a positive integer"
            )
        if not is_integer(sequence_length, low=1):
            raise invalid_value(
                "sequence_length", sequence_length, "a positive integer"
            )
        if not is_integer(embedding_dim, low=1):
            raise invalid_value("embedding_dim", embedding_dim, "a positive integer")
        if not isinstance(mask_zero, bool):
            raise invalid_value("mask_zero", mask_zero, "a boolean")
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.mask_zero = mask_zero
        self.input_spec = keras.InputSpec(ndim=2)
        # Keras attaches the mask of `compute_mask()` to the outputs only when
        # the layer supports masking, as `keras.layers.Embedding` does.
        self.supports_masking = self.mask_zero

        # Sub-layers, created here once, each with an explicit name and this
        # layer's dtype policy: the tables stay in float32, the vectors come in
        # the compute dtype. Replace them and `call()`, and keep `build()` in
        # step with `call()`.
        self.token_embedding = keras.layers.Embedding(
            self.vocabulary_size,
            self.embedding_dim,
            mask_zero=self.mask_zero,
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        self.position_embedding = keras.layers.Embedding(
            self.sequence_length,
            self.embedding_dim,
            dtype=self.dtype_policy,
            name="position_embedding",
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self._check_sequence_length(input_shape[-1])
        # Build each sub-layer with the shape it receives: the token ids, and
        # one position id per step.
        self.token_embedding.build(input_shape)
        self.position_embedding.build(tuple(input_shape[1:]))

    def call(self, inputs: Any) -> Any:
        # The static length, when known (eager calls, JAX and PyTorch traces);
        # a `None` length cannot be checked before the call runs.
        self._check_sequence_length(inputs.shape[-1])
        tokens = self.token_embedding(inputs)
        # Every position vector, then the first seq_len of them, so a shorter
        # sequence uses the first ones. A slice, not a lookup of position ids:
        # with the length known only at run time (a TensorFlow graph), a slice
        # past `sequence_length` fails, where XLA would clamp an id to the last
        # row and TensorFlow's GPU kernel would give zeros.
        positions = self.position_embedding(ops.arange(self.sequence_length))
        length = ops.shape(inputs)[-1]
        positions = ops.slice(positions, (0, 0), (length, self.embedding_dim))
        return ops.add(tokens, positions)

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape) + (self.embedding_dim,)

    def compute_mask(self, inputs: Any, mask: Any | None = None) -> Any | None:
        # `False` at padding (token id 0) with `mask_zero`, else no mask.
        return self.token_embedding.compute_mask(inputs, mask)

    def _check_sequence_length(self, length: int | None) -> None:
        """Refuse sequences longer than `sequence_length`: they have no
        position vector for their last tokens."""
        if length is not None and length > self.sequence_length:
            raise ValueError(
                "The inputs' sequence length must be at most `sequence_length`. "
                f"Received: sequence length {length}, "
                f"sequence_length={self.sequence_length}"
            )

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
        config = {
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "embedding_dim": self.embedding_dim,
            "mask_zero": self.mask_zero,
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

        - `.*/token_embedding/embeddings`: the token embeddings, by vocabulary
          rows, `("model", "batch")`.
        - `.*/position_embedding/embeddings`: the position embeddings, by
          features, `(None, "model")`.

        Other weights are replicated. `layout_map` chains the rules of several
        classes into one map (`None`: a new one over `device_mesh`); see
        `add_layout_rules` in keras_scaffold_support.py.
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        rules = {
            ".*/token_embedding/embeddings": (model_dim, data_dim),
            ".*/position_embedding/embeddings": (None, model_dim),
        }
        return add_layout_rules(device_mesh, layout_map, rules)
