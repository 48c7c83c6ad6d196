"""Generated layers inside real models: a padding mask from `Embedding(mask_zero=True)`
survives every position-wise pattern and the transformer, so padding a sequence
does not change what a masked pooling computes (issue 10). Runs on whichever
backend KERAS_BACKEND selects; tests/test_backends.py runs it on JAX and PyTorch."""

import sys
import warnings

import keras
import numpy as np
import pytest
from conftest import EXAMPLES

sys.path.insert(0, str(EXAMPLES))

from attention_pooling import AttentionPooling  # noqa: E402
from dense_stack import DenseStack  # noqa: E402
from feature_norm import FeatureNorm  # noqa: E402
from layer_sequence import LayerSequence  # noqa: E402
from mlp_block import MlpBlock  # noqa: E402
from running_memory import RunningMemory  # noqa: E402
from scaled_dense import ScaledDense  # noqa: E402
from token_and_position_embedding import TokenAndPositionEmbedding  # noqa: E402
from transformer_block import TransformerBlock  # noqa: E402

FEATURES = 8
LAYERS = {
    "simple": lambda: ScaledDense(units=5),
    "composite": lambda: MlpBlock(hidden_dim=8, output_dim=5),
    "orchestration": lambda: DenseStack(hidden_dims=(6, 5)),
    "normalization": lambda: FeatureNorm(),
    "stateful": lambda: RunningMemory(units=5),
    "dynamic": lambda: LayerSequence(
        sublayers=[keras.layers.Dense(6), keras.layers.Dropout(0.5)]
    ),
    "transformer": lambda: TransformerBlock(hidden_dim=FEATURES, intermediate_dim=16),
    # Two blocks stacked: the mask must survive the first to reach the second.
    "transformer-twice": lambda: lambda x: TransformerBlock(
        hidden_dim=FEATURES, intermediate_dim=16
    )(TransformerBlock(hidden_dim=FEATURES, intermediate_dim=16)(x)),
}


def pooled_model(make_layer):
    """Embedding(mask_zero=True) -> the layer -> masked average over time."""
    keras.utils.set_random_seed(0)
    tokens = keras.Input(shape=(None,), dtype="int32")
    embedded = keras.layers.Embedding(20, FEATURES, mask_zero=True)(tokens)
    with warnings.catch_warnings():
        # "does not support masking and will therefore destroy the mask": an error.
        warnings.simplefilter("error")
        features = make_layer()(embedded)
    pooled = keras.layers.GlobalAveragePooling1D()(features)
    return keras.Model(tokens, [pooled, features])


@pytest.mark.parametrize("pattern", sorted(LAYERS))
def test_padding_does_not_change_the_pooled_outputs(pattern):
    model = pooled_model(LAYERS[pattern])
    _, symbolic = model.outputs
    # The symbolic output carries the mask for the next layer.
    assert getattr(symbolic, "_keras_mask", None) is not None
    short = np.array([[3, 4, 5], [6, 7, 8]], "int32")
    padded = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 0, 0]], "int32")
    pooled_short, features_short = (keras.ops.convert_to_numpy(x) for x in model(short))
    pooled_padded, features_padded = (
        keras.ops.convert_to_numpy(x) for x in model(padded)
    )
    np.testing.assert_allclose(pooled_padded, pooled_short, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        features_padded[:, :3], features_short, rtol=1e-5, atol=1e-5
    )


def test_the_stateful_update_ignores_padded_steps():
    layer = RunningMemory(units=5)
    embedding = keras.layers.Embedding(20, FEATURES, mask_zero=True)
    short = np.array([[3, 4, 5]], "int32")
    padded = np.array([[3, 4, 5, 0, 0]], "int32")
    embedding(short)
    layer.build((None, None, FEATURES))
    states = []
    for tokens in (short, padded):
        layer.reset_state()
        embedded = embedding(tokens)
        layer(embedded, training=True, mask=embedding.compute_mask(tokens))
        states.append(keras.ops.convert_to_numpy(layer.memory))
    np.testing.assert_allclose(states[1], states[0], rtol=1e-6, atol=1e-6)
    assert np.any(states[0] != 0.0)


def test_a_text_classifier_made_of_the_patterns_ignores_padding():
    """The embedding pattern makes the mask, the transformer keeps it and the
    pooling pattern consumes it: padding changes neither the pooled vector nor
    the mask-free output."""
    keras.utils.set_random_seed(0)
    tokens = keras.Input(shape=(None,), dtype="int32")
    embedded = TokenAndPositionEmbedding(
        vocabulary_size=20, sequence_length=8, embedding_dim=FEATURES, mask_zero=True
    )(tokens)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        encoded = TransformerBlock(hidden_dim=FEATURES, intermediate_dim=16)(embedded)
        pooled = AttentionPooling(hidden_dim=4)(encoded)
    assert getattr(pooled, "_keras_mask", None) is None
    model = keras.Model(tokens, pooled)
    short = np.array([[3, 4, 5], [6, 7, 8]], "int32")
    padded = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 0, 0]], "int32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(padded)),
        keras.ops.convert_to_numpy(model(short)),
        rtol=1e-5,
        atol=1e-5,
    )
