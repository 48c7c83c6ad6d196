"""Tests for `TransformerBlock`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np
import pytest

from keras_scaffold_checks import LayerChecks, infer, to_numpy
from transformer_block import TransformerBlock


class TestTransformerBlock(LayerChecks):
    layer_class = TransformerBlock
    input_shape = (2, 4, 8)
    expected_trainable_weights = 16
    expected_non_trainable_weights = 0
    expected_seed_generators = 4
    stochastic = True
    invalid_arguments = (
        ("hidden_dim", 0, ValueError, "a positive integer"),
        ("intermediate_dim", 0, ValueError, "a positive integer"),
        ("num_heads", 0, ValueError, "a positive integer"),
        ("dropout_rate", -0.5, ValueError, "a float between 0 and 1"),
        ("activation", "not_a_activation", ValueError, None),
        ("layer_norm_epsilon", 0, ValueError, "a positive float"),
        ("norm_first", "yes", ValueError, "a boolean"),
    )
    invalid_combinations = (
        ({"hidden_dim": 1, "num_heads": 1}, ValueError, "`hidden_dim` must be at"),
        ({"dropout_rate": 1.0}, ValueError, "`dropout_rate` must be below"),
        ({"num_heads": 3}, ValueError, "divisible by `num_heads`"),
        ({"hidden_dim": 9}, ValueError, "divisible by `num_heads`"),
    )
    object_arguments = (("activation", "activation"),)

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "hidden_dim": 8,
            "intermediate_dim": 16,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "hidden_dim": 8,
            "intermediate_dim": 17,
            "num_heads": 4,
            "dropout_rate": 0.5,
            "activation": "tanh",
            "layer_norm_epsilon": 2e-05,
            "norm_first": False,
        }

    def sublayers(self, layer):
        return [getattr(layer, name) for name in SUBLAYERS]

    def check_construction(self, layer):
        attention = layer._self_attention_layer
        assert attention.num_heads == layer.num_heads
        assert attention.key_dim == layer.hidden_dim // layer.num_heads
        assert all(not sub.weights for sub in self.sublayers(layer))

    def check_built(self, layer):
        assert all(sub.built for sub in self.sublayers(layer))
        hidden_dim, intermediate_dim = self.input_shape[-1], layer.intermediate_dim
        intermediate = layer._feedforward_intermediate_dense
        assert tuple(intermediate.kernel.shape) == (hidden_dim, intermediate_dim)
        output = layer._feedforward_output_dense
        assert tuple(output.kernel.shape) == (intermediate_dim, hidden_dim)

    def test_inputs_whose_last_dimension_is_not_hidden_dim_are_refused(self):
        # Keras's input spec says so, before `build()` runs.
        shape = self.input_shape[:-1] + (self.input_shape[-1] + 2,)
        with pytest.raises(ValueError, match="expected axis -1 of input shape"):
            self.make_layer()(self.make_inputs(shape))

    def test_post_norm_outputs_are_normalized_per_token(self):
        layer = self.make_layer(norm_first=False, layer_norm_epsilon=1e-05)
        outputs = to_numpy(layer(self.make_inputs(), training=False))
        np.testing.assert_allclose(outputs.mean(axis=-1), 0.0, atol=1e-4)
        np.testing.assert_allclose(outputs.std(axis=-1), 1.0, atol=1e-3)

    @pytest.mark.parametrize("norm_first", [True, False])
    def test_causal_attention_mask_hides_later_positions(self, norm_first):
        layer = self.make_layer(norm_first=norm_first)
        batch_size, seq_len = self.input_shape[0], self.input_shape[1]
        causal = np.tril(np.ones((batch_size, seq_len, seq_len), dtype=bool))
        inputs = self.make_inputs()
        changed = inputs.copy()
        changed[:, -1] = self.make_inputs(seed=1)[:, -1]
        first = to_numpy(layer(inputs, attention_mask=causal))[:, 0]
        unchanged = to_numpy(layer(changed, attention_mask=causal))[:, 0]
        np.testing.assert_allclose(unchanged, first, rtol=1e-5, atol=1e-5)
        unmasked = to_numpy(layer(changed))[:, 0]
        assert not np.allclose(unmasked, to_numpy(layer(inputs))[:, 0])

    def test_a_mask_passed_as_mask_stays_on_the_outputs(self):
        # No mask on the inputs: one passed as `mask=` masks the attention and
        # is kept on the outputs, so a masked pooling averages the real tokens.
        values = keras.Input(shape=self.flexible_shape()[1:])
        padding = keras.Input(shape=(None,), dtype="bool")
        outputs = self.make_layer()(values, mask=padding)
        pooled = keras.layers.GlobalAveragePooling1D()(outputs)
        model = keras.Model([values, padding], [pooled, outputs])
        mask = np.ones(self.input_shape[:2], dtype=bool)
        mask[:, -1] = False
        pooled, outputs = infer(model, [self.make_inputs(), mask])
        expected = outputs[:, :-1].mean(axis=1)
        np.testing.assert_allclose(pooled, expected, rtol=1e-5, atol=1e-5)

    def test_padding_mask_hides_padded_tokens(self):
        layer = self.make_layer()
        inputs = self.make_inputs()
        changed = inputs.copy()
        changed[:, -1] = self.make_inputs(seed=1)[:, -1]
        padding = np.ones(self.input_shape[:2], dtype=bool)
        padding[:, -1] = False
        first = to_numpy(layer(inputs, padding_mask=padding))[:, :-1]
        unchanged = to_numpy(layer(changed, padding_mask=padding))[:, :-1]
        np.testing.assert_allclose(unchanged, first, rtol=1e-5, atol=1e-5)


SUBLAYERS = (
    "_self_attention_layer_norm",
    "_self_attention_layer",
    "_self_attention_dropout",
    "_feedforward_layer_norm",
    "_feedforward_intermediate_dense",
    "_feedforward_intermediate_dropout",
    "_feedforward_output_dense",
    "_feedforward_output_dropout",
)
