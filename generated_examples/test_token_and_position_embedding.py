"""Tests for `TokenAndPositionEmbedding`: the shared checks of
keras_scaffold_checks.py on its configurations, and its own tests."""

import keras
import numpy as np
import pytest

from keras_scaffold_checks import (
    LayerChecks,
    compiled_predict_available,
    infer_each,
    to_numpy,
)
from token_and_position_embedding import TokenAndPositionEmbedding


class TestTokenAndPositionEmbedding(LayerChecks):
    layer_class = TokenAndPositionEmbedding
    input_shape = (2, 5)
    expected_trainable_weights = 2
    expected_non_trainable_weights = 0
    invalid_arguments = (
        ("vocabulary_size", 0, ValueError, "a positive integer"),
        ("sequence_length", 0, ValueError, "a positive integer"),
        ("embedding_dim", 0, ValueError, "a positive integer"),
        ("mask_zero", "yes", ValueError, "a boolean"),
    )

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "vocabulary_size": 20,
            "sequence_length": 8,
            "embedding_dim": 6,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "vocabulary_size": 21,
            "sequence_length": 9,
            "embedding_dim": 7,
            "mask_zero": True,
        }

    def sublayers(self, layer):
        return [layer.token_embedding, layer.position_embedding]

    def check_construction(self, layer):
        assert layer.token_embedding.input_dim == layer.vocabulary_size
        assert layer.token_embedding.output_dim == layer.embedding_dim
        assert layer.token_embedding.mask_zero == layer.mask_zero
        assert layer.position_embedding.input_dim == layer.sequence_length
        assert layer.position_embedding.output_dim == layer.embedding_dim
        assert not layer.token_embedding.built
        assert not layer.position_embedding.built

    def check_built(self, layer):
        token_table = (layer.vocabulary_size, layer.embedding_dim)
        assert tuple(layer.token_embedding.embeddings.shape) == token_table
        position_table = (layer.sequence_length, layer.embedding_dim)
        assert tuple(layer.position_embedding.embeddings.shape) == position_table

    # -- The shared checks' hooks, for token ids. ------------------------------

    input_dtype = "int32"

    def make_inputs(self, shape=None, seed=0):
        """Token ids, none of them 0 (padding), valid in every configuration."""
        shape = self.input_shape if shape is None else shape
        high = min(
            self.make_layer().vocabulary_size,
            self.layer_class(**self.make_other_config()).vocabulary_size,
        )
        return np.random.default_rng(seed).integers(1, high, shape).astype("int32")

    def flexible_shape(self):
        # Any batch size and any sequence length (up to `sequence_length`).
        return (None, None)

    def export_options(self, format):
        # JAX exports a sequence length it can hold to `sequence_length` only
        # when it is fixed: the sample's (docs/export.md).
        if keras.backend.backend() != "jax":
            return super().export_options(format)
        shape = (None,) + tuple(self.input_shape[1:])
        spec = keras.InputSpec(shape=shape, dtype=self.input_dtype)
        return {"input_signature": [spec]}

    # -- The embedding's own tests. --------------------------------------------

    def test_padding_does_not_change_masked_results(self):
        # The shared check pads float features behind `Masking`; token ids are
        # padded with 0, and the mask comes from this layer (`mask_zero`).
        tokens = keras.Input(shape=(None,), dtype="int32")
        outputs = self.make_layer(mask_zero=True)(tokens)
        assert getattr(outputs, "_keras_mask", None) is not None
        pooled = keras.layers.GlobalAveragePooling1D()(outputs)
        model = keras.Model(tokens, [pooled, outputs])
        real = self.make_inputs((2, 3))
        padded = np.concatenate([real, np.zeros((2, 2), "int32")], axis=1)
        (pooled_real, outputs_real), (pooled_padded, outputs_padded) = infer_each(
            model, [real, padded]
        )
        np.testing.assert_allclose(
            outputs_padded[:, :3], outputs_real, rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(pooled_padded, pooled_real, rtol=1e-5, atol=1e-5)

    def test_compute_mask_marks_token_id_zero_as_padding(self):
        tokens = self.make_inputs()
        tokens[:, -2:] = 0
        mask = self.make_layer(mask_zero=True).compute_mask(tokens)
        np.testing.assert_array_equal(to_numpy(mask), tokens != 0)
        assert self.make_layer(mask_zero=False).compute_mask(tokens) is None

    def test_shorter_sequences_get_the_first_positions(self):
        layer = self.make_layer()
        tokens = self.make_inputs((2, layer.sequence_length))
        full = to_numpy(layer(tokens))
        short = to_numpy(layer(tokens[:, :3]))
        assert short.shape == (2, 3, layer.embedding_dim)
        np.testing.assert_allclose(short, full[:, :3], rtol=1e-6, atol=1e-6)

    def test_the_same_token_differs_by_position(self):
        layer = self.make_layer()
        tokens = np.repeat(self.make_inputs((1, 1)), 2, axis=1)
        outputs = to_numpy(layer(tokens))
        assert not np.allclose(outputs[0, 0], outputs[0, 1])

    def test_sequences_longer_than_sequence_length_are_refused(self):
        layer = self.make_layer()
        too_long = self.make_inputs((2, layer.sequence_length + 1))
        with pytest.raises(ValueError, match="sequence_length"):
            layer.build(too_long.shape)
        with pytest.raises(ValueError, match="sequence_length"):
            layer(keras.Input(shape=too_long.shape[1:], dtype="int32"))
        layer(self.make_inputs())
        with pytest.raises(ValueError, match="sequence_length"):
            layer(too_long)

    @pytest.mark.parametrize("jit_compile", [True, False])
    def test_a_compiled_model_refuses_them_whatever_it_traced(self, jit_compile):
        # After two lengths, TensorFlow traces `predict` for any length, which
        # the layer cannot check before it runs: the slice of its position
        # vectors then fails, with XLA (which would clamp a lookup) and without.
        model = self.make_model(self.make_layer())
        model.compile(jit_compile=jit_compile and compiled_predict_available())
        length = self.make_layer().sequence_length
        for valid in (length - 1, length):
            model.predict(self.make_inputs((2, valid)), verbose=0)
        with pytest.raises(refusals()):
            model.predict(self.make_inputs((2, length + 1)), verbose=0)


def refusals():
    """What refuses a sequence longer than `sequence_length`: the layer's
    ValueError, or TensorFlow's error where the length was unknown."""
    if keras.backend.backend() != "tensorflow":
        return ValueError
    import tensorflow as tf

    return (ValueError, tf.errors.InvalidArgumentError)
