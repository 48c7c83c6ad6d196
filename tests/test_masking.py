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

from additive_noise import AdditiveNoise  # noqa: E402
from attention_pooling import AttentionPooling  # noqa: E402
from conv_block import ConvBlock  # noqa: E402
from dense_stack import DenseStack  # noqa: E402
from feature_norm import FeatureNorm  # noqa: E402
from gated_cell import GatedCell  # noqa: E402
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
    "stochastic": lambda: AdditiveNoise(stddev=0.1, seed=1),
    # A cell takes the mask through its wrapper, which passes it on.
    "rnn_cell": lambda: keras.layers.RNN(GatedCell(units=5), return_sequences=True),
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


def text_and_vision_models():
    """A text classifier (embedding, two transformer blocks, pooling) and an image
    regressor (conv block, pooling, MLP block), as users stack the patterns."""
    tokens = keras.Input(shape=(None,), dtype="int32")
    x = TokenAndPositionEmbedding(
        vocabulary_size=20, sequence_length=8, embedding_dim=FEATURES, mask_zero=True
    )(tokens)
    for _ in range(2):
        x = TransformerBlock(hidden_dim=FEATURES, intermediate_dim=16)(x)
    x = AttentionPooling(hidden_dim=4)(x)
    text = keras.Model(tokens, keras.layers.Dense(2, dtype="float32")(x))
    images = keras.Input(shape=(None, None, 3))
    y = keras.layers.GlobalAveragePooling2D()(ConvBlock(filters=4)(images))
    y = MlpBlock(hidden_dim=8, output_dim=4)(y)
    vision = keras.Model(images, keras.layers.Dense(3, dtype="float32")(y))
    return text, vision


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_stacks_of_the_patterns_train_save_and_reload(policy, tmp_path):
    """Both stacks take a training step, reload from `.keras` with identical
    predictions, and serve another batch size and sequence or image size."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 20, (4, 8)).astype("int32")
    tokens[:, 5:] = 0
    images = rng.random((4, 6, 5, 3)).astype("float32")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        text, vision = text_and_vision_models()
    finally:
        keras.config.set_dtype_policy(previous)
    for model, inputs, other in (
        (text, tokens, tokens[:3, :6]),
        (vision, images, images[:1, :4, :3]),
    ):
        model.compile(optimizer="adam", loss="mse")
        targets = np.zeros((4, model.output_shape[-1]), "float32")
        before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
        model.fit(inputs, targets, batch_size=2, epochs=1, verbose=0)
        after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
        assert any(np.any(a != b) for a, b in zip(after, before, strict=True))
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        reloaded = keras.models.load_model(path)
        for batch in (inputs, other):
            np.testing.assert_array_equal(
                reloaded.predict(batch, verbose=0), model.predict(batch, verbose=0)
            )
        assert reloaded.predict(other, verbose=0).shape[0] == len(other)
