"""Tests for `MlpBlock`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

from keras_scaffold_checks import LayerChecks
from mlp_block import MlpBlock


class TestMlpBlock(LayerChecks):
    layer_class = MlpBlock
    input_shape = (4, 6)
    expected_trainable_weights = 6
    expected_non_trainable_weights = 0
    expected_seed_generators = 1
    stochastic = True
    invalid_arguments = (
        ("hidden_dim", 0, ValueError, "a positive integer"),
        ("output_dim", 0, ValueError, "a positive integer"),
        ("activation", "not_a_activation", ValueError, None),
        ("dropout_rate", -0.5, ValueError, "a float between 0 and 1"),
        ("use_norm", "yes", ValueError, "a boolean"),
        ("kernel_initializer", "not_a_initializer", ValueError, None),
    )
    invalid_combinations = (
        ({"hidden_dim": 1, "use_norm": True}, ValueError, "`hidden_dim` must be at"),
        ({"dropout_rate": 1.0}, ValueError, "`dropout_rate` must be below"),
    )
    object_arguments = (
        ("activation", "activation"),
        ("kernel_initializer", "initializer"),
    )

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "hidden_dim": 8,
            "output_dim": 4,
            "dropout_rate": 0.5,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "hidden_dim": 9,
            "output_dim": 5,
            "activation": "tanh",
            "dropout_rate": 0,
            "use_norm": False,
            "kernel_initializer": "random_uniform",
        }

    def sublayers(self, layer):
        return [layer.hidden_dense, layer.dropout, layer.layer_norm, layer.output_dense]

    def check_construction(self, layer):
        assert layer.hidden_dense.name == "hidden_dense"
        assert layer.dropout.name == "dropout"
        assert layer.output_dense.name == "output_dense"
        assert (layer.layer_norm is not None) == layer.use_norm
        for sublayer in (layer.hidden_dense, layer.layer_norm, layer.output_dense):
            assert sublayer is None or not sublayer.built
        initializers = (
            layer.kernel_initializer,
            layer.hidden_dense.kernel_initializer,
            layer.output_dense.kernel_initializer,
        )
        assert len({id(initializer) for initializer in initializers}) == 3

    def check_built(self, layer):
        for sublayer in (layer.hidden_dense, layer.dropout, layer.output_dense):
            assert sublayer.built
        assert layer.layer_norm is None or layer.layer_norm.built
        hidden_dim, output_dim = layer.hidden_dim, layer.output_dim
        kernel_shape = (self.input_shape[-1], hidden_dim)
        assert tuple(layer.hidden_dense.kernel.shape) == kernel_shape
        assert tuple(layer.output_dense.kernel.shape) == (hidden_dim, output_dim)

    def test_without_norm_there_is_no_norm_layer(self):
        layer = self.make_layer(use_norm=False)
        assert layer.layer_norm is None
        layer.build(self.input_shape)
        assert len(layer.trainable_weights) == 4
