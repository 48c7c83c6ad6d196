"""Tests for `ScaledDense`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

from keras_scaffold_checks import LayerChecks
from scaled_dense import ScaledDense


class TestScaledDense(LayerChecks):
    layer_class = ScaledDense
    input_shape = (4, 6)
    expected_trainable_weights = 2
    expected_non_trainable_weights = 0
    invalid_arguments = (
        ("units", 0, ValueError, "a positive integer"),
        ("activation", "not_a_activation", ValueError, None),
        ("use_bias", "yes", ValueError, "a boolean"),
        ("kernel_initializer", "not_a_initializer", ValueError, None),
        ("bias_initializer", "not_a_initializer", ValueError, None),
    )
    object_arguments = (
        ("activation", "activation"),
        ("kernel_initializer", "initializer"),
        ("bias_initializer", "initializer"),
    )

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "units": 8,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "units": 9,
            "activation": "tanh",
            "use_bias": True,
            "kernel_initializer": "random_uniform",
            "bias_initializer": "random_uniform",
        }

    def check_built(self, layer):
        assert tuple(layer.kernel.shape) == (self.input_shape[-1], layer.units)
        assert tuple(layer.bias.shape) == (layer.units,)
