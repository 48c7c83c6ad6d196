"""Tests for `AttentionPooling`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np

from attention_pooling import AttentionPooling
from keras_scaffold_checks import LayerChecks, infer, infer_each, to_numpy


class TestAttentionPooling(LayerChecks):
    layer_class = AttentionPooling
    input_shape = (2, 4, 6)
    expected_trainable_weights = 3
    expected_non_trainable_weights = 0
    keeps_mask = False
    invalid_arguments = (
        ("hidden_dim", 0, ValueError, "a positive integer"),
        ("activation", "not_a_activation", ValueError, None),
    )
    object_arguments = (("activation", "activation"),)

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "hidden_dim": 8,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "hidden_dim": 9,
            "activation": "relu",
        }

    def sublayers(self, layer):
        return [layer.hidden_dense, layer.score_dense]

    def check_construction(self, layer):
        assert layer.hidden_dense.name == "hidden_dense"
        assert layer.hidden_dense.units == layer.hidden_dim
        assert layer.score_dense.name == "score_dense"
        assert layer.score_dense.units == 1 and not layer.score_dense.use_bias
        assert not layer.hidden_dense.built and not layer.score_dense.built
        assert layer.supports_masking

    def check_built(self, layer):
        assert layer.hidden_dense.built and layer.score_dense.built
        hidden_dim = layer.hidden_dim
        kernel_shape = (self.input_shape[-1], hidden_dim)
        assert tuple(layer.hidden_dense.kernel.shape) == kernel_shape
        assert tuple(layer.score_dense.kernel.shape) == (hidden_dim, 1)

    def padded(self, steps=3, padding=2):
        """Sequences of `steps` real steps (none all zeros), and the same with
        `padding` steps of noise after them, with their mask."""
        batch_size, features = self.input_shape[0], self.input_shape[-1]
        real = self.make_inputs((batch_size, steps, features)) + 5.0
        noise = self.make_inputs((batch_size, padding, features), seed=1)
        padded = np.concatenate([real, noise], axis=1)
        mask = np.broadcast_to(np.arange(steps + padding) < steps, padded.shape[:2])
        return real, padded, mask

    def test_padding_does_not_change_masked_results(self, recwarn):
        # The shared check pools the layer's outputs over time; this layer has
        # pooled them already, and must consume the mask, not pass it on.
        features = self.input_shape[-1]
        inputs = keras.Input(shape=(None, features))
        masked = keras.layers.Masking(mask_value=0.0)(inputs)
        outputs = self.make_layer()(masked)
        assert not [w for w in recwarn if "destroy the mask" in str(w.message)]
        assert getattr(outputs, "_keras_mask", None) is None
        assert self.make_layer().compute_mask(inputs, masked._keras_mask) is None
        model = keras.Model(inputs, outputs)
        real, padded, mask = self.padded()
        padded[~mask] = 0.0
        expected, outputs = infer_each(model, [real, padded])
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)

    def test_padded_steps_get_zero_weight(self):
        layer = self.make_layer()
        real, padded, mask = self.padded()
        short = keras.Input(shape=real.shape[1:])
        values = keras.Input(shape=padded.shape[1:])
        steps = keras.Input(shape=mask.shape[1:], dtype="bool")
        model = keras.Model(
            [short, values, steps],
            [layer(short), layer(values, mask=steps), layer(values)],
        )
        expected, outputs, unmasked = infer(model, [real, padded, mask])
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)
        # Without the mask, the padded steps count.
        assert not np.allclose(unmasked, expected)

    def test_embedding_mask_is_consumed(self):
        features = self.input_shape[-1]
        tokens = keras.Input(shape=(None,), dtype="int32")
        embedded = keras.layers.Embedding(10, features, mask_zero=True)(tokens)
        model = keras.Model(tokens, self.make_layer()(embedded))
        real = np.array([[1, 2, 3], [4, 5, 6]], "int32")
        padded = np.concatenate([real, np.zeros((2, 2), "int32")], axis=1)
        expected, outputs = infer_each(model, [real, padded])
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)

    def test_a_sequence_of_equal_steps_pools_to_that_step(self):
        # The weights sum to one.
        batch_size, seq_len, features = self.input_shape
        step = self.make_inputs((batch_size, 1, features))
        outputs = to_numpy(self.make_layer()(np.repeat(step, seq_len, axis=1)))
        np.testing.assert_allclose(outputs, step[:, 0], rtol=1e-5, atol=1e-5)

    def test_a_sequence_without_real_steps_pools_to_zeros(self):
        mask = np.zeros(self.input_shape[:2], bool)
        outputs = to_numpy(self.make_layer()(self.make_inputs(), mask=mask))
        np.testing.assert_array_equal(outputs, 0.0)

    def test_masked_softmax_stays_finite_under_mixed_float16(self):
        layer = self.make_layer_with_policy("mixed_float16")
        real, padded, mask = self.padded()
        values = keras.Input(shape=padded.shape[1:])
        steps = keras.Input(shape=mask.shape[1:], dtype="bool")
        model = keras.Model([values, steps], layer(values, mask=steps))
        outputs = infer(model, [padded, mask]).astype("float32")
        assert np.all(np.isfinite(outputs))
        # The same weights in float32, on the real steps alone.
        reference = self.make_model(self.make_layer())
        reference.set_weights(layer.get_weights())
        expected = infer(reference, real)
        np.testing.assert_allclose(outputs, expected, rtol=2e-2, atol=2e-2)
