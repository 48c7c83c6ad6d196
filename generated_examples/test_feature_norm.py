"""Tests for `FeatureNorm`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np

from feature_norm import FeatureNorm
from keras_scaffold_checks import LayerChecks, infer, to_numpy


class TestFeatureNorm(LayerChecks):
    layer_class = FeatureNorm
    input_shape = (4, 6)
    expected_trainable_weights = 2
    expected_non_trainable_weights = 0
    invalid_arguments = (
        ("epsilon", 0, ValueError, "a positive float"),
        ("center", "yes", ValueError, "a boolean"),
        ("scale", "yes", ValueError, "a boolean"),
        ("beta_initializer", "not_a_initializer", ValueError, None),
        ("gamma_initializer", "not_a_initializer", ValueError, None),
        ("beta_regularizer", "not_a_regularizer", ValueError, None),
        ("gamma_regularizer", "not_a_regularizer", ValueError, None),
    )
    object_arguments = (
        ("beta_initializer", "initializer"),
        ("gamma_initializer", "initializer"),
        ("beta_regularizer", "regularizer"),
        ("gamma_regularizer", "regularizer"),
    )

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "epsilon": 0.001,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "epsilon": 0.002,
            "center": True,
            "scale": True,
            "beta_initializer": "random_uniform",
            "gamma_initializer": "random_uniform",
            "beta_regularizer": "l2",
            "gamma_regularizer": "l2",
        }

    def check_construction(self, layer):
        assert layer.gamma is None
        assert layer.beta is None

    def check_built(self, layer):
        assert tuple(layer.gamma.shape) == (self.input_shape[-1],)
        assert tuple(layer.beta.shape) == (self.input_shape[-1],)

    @staticmethod
    def reference(inputs, epsilon):
        """Each example standardized over its last axis, in float64."""
        inputs = inputs.astype("float64")
        mean = inputs.mean(axis=-1, keepdims=True)
        variance = inputs.var(axis=-1, keepdims=True)
        return (inputs - mean) / np.sqrt(variance + epsilon)

    def test_normalizes_each_example_over_its_features(self):
        layer = self.make_layer(
            center=True,
            scale=True,
            gamma_initializer="random_normal",
            beta_initializer="random_normal",
        )
        inputs = self.make_inputs()
        outputs = to_numpy(layer(inputs))
        gamma, beta = to_numpy(layer.gamma), to_numpy(layer.beta)
        expected = self.reference(inputs, layer.epsilon) * gamma + beta
        np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)

    def test_an_example_does_not_depend_on_the_rest_of_the_batch(self):
        layer = self.make_layer()
        inputs = self.make_inputs()
        expected = to_numpy(layer(inputs))[:1]
        alone = infer(self.make_model(layer), inputs[:1])
        np.testing.assert_allclose(alone, expected, atol=1e-6)

    def test_weights_are_sized_from_the_last_input_dimension(self):
        for shape in [(2, 3), (2, 5, 7)]:
            layer = self.make_layer(center=True, scale=True)
            layer.build(shape)
            assert tuple(layer.gamma.shape) == (shape[-1],)
            assert tuple(layer.beta.shape) == (shape[-1],)

    def test_center_and_scale_off_leave_no_weights(self):
        layer = self.make_layer(center=False, scale=False)
        inputs = self.make_inputs()
        outputs = to_numpy(layer(inputs))
        assert layer.gamma is None and layer.beta is None
        assert not layer.weights
        expected = self.reference(inputs, layer.epsilon)
        np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)

    def test_regularizers_add_their_losses(self):
        layer = self.make_layer(
            center=True, scale=True, gamma_regularizer="l2", beta_regularizer="l1"
        )
        layer(self.make_inputs())
        assert len(layer.losses) == 2

    def test_mixed_float16_computes_statistics_in_float32(self):
        # No offset or scale: the outputs are the statistics' alone.
        layer = self.make_layer(dtype="mixed_float16", center=False, scale=False)
        # Values near 1000: their variance overflows float16 (largest value 65504).
        inputs = self.make_inputs() * 1000.0
        outputs = layer(inputs)
        assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
        outputs = to_numpy(outputs).astype("float32")
        assert np.all(np.isfinite(outputs))
        expected = self.reference(inputs, layer.epsilon)
        np.testing.assert_allclose(outputs, expected, rtol=1e-2, atol=1e-2)

    def test_variables_follow_the_policy_variable_dtype(self):
        layer = self.make_layer(dtype="bfloat16", center=True, scale=True)
        layer.build(self.input_shape)
        for weight in layer.weights:
            assert keras.backend.standardize_dtype(weight.dtype) == "bfloat16"
