"""Keras's own layer harness (`keras.src.testing.TestCase.run_layer_test`) on every
generated layer pattern: symbolic and eager calls, weight counts, `fit`, the config
round trip and `mixed_float16`. Runs on whichever backend KERAS_BACKEND selects."""

import sys

import keras
import pytest
from conftest import EXAMPLES, PATTERNS
from keras.src.testing import TestCase

sys.path.insert(0, str(EXAMPLES))

from attention_pooling import AttentionPooling  # noqa: E402
from dense_stack import DenseStack  # noqa: E402
from feature_norm import FeatureNorm  # noqa: E402
from layer_sequence import LayerSequence  # noqa: E402
from mlp_block import MlpBlock  # noqa: E402
from mlp_classifier import MlpClassifier  # noqa: E402
from running_memory import RunningMemory  # noqa: E402
from scaled_dense import ScaledDense  # noqa: E402
from token_and_position_embedding import TokenAndPositionEmbedding  # noqa: E402
from transformer_block import TransformerBlock  # noqa: E402


def configs(*layers):
    # Configs, not layer objects: the harness builds several layers from the same
    # arguments, which must not share sub-layers.
    return [keras.layers.serialize(layer) for layer in layers]


CASES = {
    "simple": (ScaledDense, {"units": 3}, (2, 4), (2, 3), 2, 0, {}),
    "simple-3d": (
        ScaledDense,
        {"units": 3, "activation": "relu", "use_bias": False},
        (2, 5, 4),
        (2, 5, 3),
        1,
        0,
        {},
    ),
    "composite": (
        MlpBlock,
        {"hidden_dim": 8, "output_dim": 4, "dropout_rate": 0.5},
        (2, 6),
        (2, 4),
        6,
        0,
        {"expected_num_seed_generators": 1},
    ),
    "composite-no-norm": (
        MlpBlock,
        {"hidden_dim": 8, "output_dim": 4, "use_norm": False, "dropout_rate": 0.0},
        (2, 3, 6),
        (2, 3, 4),
        4,
        0,
        {},
    ),
    "orchestration": (DenseStack, {"hidden_dims": (16, 8)}, (2, 6), (2, 8), 4, 0, {}),
    "orchestration-3d": (
        DenseStack,
        {"hidden_dims": (8, 6, 4), "activation": "tanh", "use_bias": False},
        (2, 3, 6),
        (2, 3, 4),
        3,
        0,
        {},
    ),
    "model": (
        MlpClassifier,
        {"num_classes": 3, "hidden_dims": (16, 8), "dropout_rate": 0.1},
        (2, 6),
        (2, 3),
        6,
        0,
        # The model's softmax is float32 under any policy, on purpose (its own
        # tests check it); the harness expects the compute dtype.
        {"expected_num_seed_generators": 2, "run_mixed_precision_check": False},
    ),
    "normalization": (
        FeatureNorm,
        {"epsilon": 1e-3},
        (2, 3, 4),
        (2, 3, 4),
        2,
        0,
        {"expected_num_losses": 0, "supports_masking": True},
    ),
    "normalization-regularized": (
        FeatureNorm,
        {"gamma_regularizer": "l2", "beta_regularizer": "l1"},
        (2, 4),
        (2, 4),
        2,
        0,
        {"expected_num_losses": 2},
    ),
    "stateful": (
        RunningMemory,
        {"units": 3, "momentum": 0.9},
        (2, 4),
        (2, 3),
        2,
        1,
        {},
    ),
    "stateful-3d": (RunningMemory, {"units": 3}, (2, 5, 4), (2, 5, 3), 2, 1, {}),
    "dynamic": (
        LayerSequence,
        {
            "sublayers": configs(
                keras.layers.Dense(8, activation="relu"), keras.layers.Dense(4)
            )
        },
        (2, 6),
        (2, 4),
        4,
        0,
        {},
    ),
    "dynamic-mixed": (
        LayerSequence,
        {
            "sublayers": configs(
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.5),
                keras.layers.LayerNormalization(),
                keras.layers.Dense(4),
            )
        },
        (2, 3, 6),
        (2, 3, 4),
        6,
        0,
        {"expected_num_seed_generators": 1},
    ),
    "transformer": (
        TransformerBlock,
        {"hidden_dim": 8, "intermediate_dim": 16, "num_heads": 2},
        (2, 4, 8),
        (2, 4, 8),
        16,
        0,
        {},
    ),
    "transformer-post-norm": (
        TransformerBlock,
        {
            "hidden_dim": 8,
            "intermediate_dim": 16,
            "num_heads": 4,
            "dropout_rate": 0.0,
            "activation": "relu",
            "norm_first": False,
        },
        (2, 4, 8),
        (2, 4, 8),
        16,
        0,
        {},
    ),
    # Token ids in (`input_dtype`): the harness draws them in [0, 3), so with
    # `mask_zero` some are padding and the mask it checks is a real one.
    "embedding": (
        TokenAndPositionEmbedding,
        {"vocabulary_size": 10, "sequence_length": 8, "embedding_dim": 4},
        (2, 5),
        (2, 5, 4),
        2,
        0,
        {"input_dtype": "int32", "supports_masking": False},
    ),
    "embedding-mask-zero": (
        TokenAndPositionEmbedding,
        {
            "vocabulary_size": 10,
            "sequence_length": 5,
            "embedding_dim": 4,
            "mask_zero": True,
        },
        (2, 5),
        (2, 5, 4),
        2,
        0,
        {
            "input_dtype": "int32",
            "supports_masking": True,
            "expected_mask_shape": (2, 5),
        },
    ),
    "pooling": (
        AttentionPooling,
        {"hidden_dim": 8},
        (2, 4, 6),
        (2, 6),
        3,
        0,
        {"supports_masking": True},
    ),
    "pooling-relu": (
        AttentionPooling,
        {"hidden_dim": 3, "activation": "relu"},
        (2, 7, 5),
        (2, 5),
        3,
        0,
        {},
    ),
}


class HarnessTest(TestCase):
    pass


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_layer_harness(case):
    cls, kwargs, input_shape, output_shape, trainable, non_trainable, extra = CASES[
        case
    ]
    harness = HarnessTest()
    harness.run_layer_test(
        cls,
        kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=non_trainable,
        run_training_check=True,
        **{"run_mixed_precision_check": True, **extra},
    )


def test_every_pattern_is_held_to_the_harness():
    assert {case.split("-")[0] for case in CASES} == set(PATTERNS)
