from typing import Any

import keras
from keras import ops

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Token embedding plus a learned position embedding.

    This layer maps a sequence of token ids to a sequence of vectors: the
    embedding of each token plus the embedding of its position, both learned,
    as keras-hub's `TokenAndPositionEmbedding` does. A sequence may be shorter
    than `sequence_length` and change length from batch to batch; a longer one
    is refused: with a `ValueError` where its length is known before the call
    runs, else by the backend (TensorFlow's `InvalidArgumentError`, with XLA
    too).

    With `mask_zero=True`, token id 0 is padding: `compute_mask` returns
    `False` there, which Keras attaches to the outputs for the layers after,
    as `keras.layers.Embedding(mask_zero=True)` does.

    **Intent**: the input layer of a transformer: one vector per token that
    says which token it is and where it stands.

    **Architecture**:
    ```
    inputs                                    (batch, seq_len), token ids
    tokens = token_embedding(inputs)          (batch, seq_len, embedding_dim)
    positions = position_embedding(arange(seq_len))
    outputs = tokens + positions              (batch, seq_len, embedding_dim)
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
        3D tensor with shape `(batch_size, seq_len, embedding_dim)`.

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
        ValueError: If an argument is not as `Args` describes it.
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
        support.check_integer("vocabulary_size", vocabulary_size, low=1)
        support.check_integer("sequence_length", sequence_length, low=1)
        support.check_integer("embedding_dim", embedding_dim, low=1)
        support.check_boolean("mask_zero", mask_zero)
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.mask_zero = mask_zero
        self.input_spec = keras.InputSpec(ndim=2)
        # Keras attaches the mask of `compute_mask()` to the outputs only when
        # the layer supports masking, as `keras.layers.Embedding` does.
        self.supports_masking = self.mask_zero

        # Sub-layers, created here once with this layer's dtype policy (tables
        # in float32, vectors in the compute dtype), each named.
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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
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
        base_config["dtype"] = support.dtype_policy_config(self)
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
        """Adds the rules below, which shard this layer's weights for
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one)."""
        model, data = model_parallel_dim_name, data_parallel_dim_name
        rules = {
            ".*/token_embedding/embeddings": (model, data),
            ".*/position_embedding/embeddings": (None, model),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
