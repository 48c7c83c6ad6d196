"""Tests for `DenseStack`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import inspect

from dense_stack import DenseStack
from keras_scaffold_checks import LayerChecks, to_numpy


class TestDenseStack(LayerChecks):
    layer_class = DenseStack
    input_shape = (4, 6)
    expected_trainable_weights = 4
    expected_non_trainable_weights = 0
    invalid_arguments = (
        ("hidden_dims", (0,), ValueError, "a non-empty tuple of positive integers"),
        ("activation", "not_a_activation", ValueError, None),
        ("use_bias", "yes", ValueError, "a boolean"),
    )
    invalid_combinations = (
        ({"hidden_dims": (8, 0)}, ValueError, "non-empty tuple of"),
        ({"hidden_dims": (8, 2.5)}, ValueError, "non-empty tuple of"),
        ({"hidden_dims": 8}, ValueError, "non-empty tuple of"),
    )
    object_arguments = (("activation", "activation"),)

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "hidden_dims": (16, 8),
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "hidden_dims": (17, 9),
            "activation": "tanh",
            "use_bias": False,
        }

    def sublayers(self, layer):
        return layer.dense_layers

    def check_construction(self, layer):
        assert isinstance(layer.hidden_dims, tuple)
        assert [sublayer.name for sublayer in layer.dense_layers] == [
            f"dense_{index}" for index in range(len(layer.hidden_dims))
        ]
        assert not any(sublayer.built for sublayer in layer.dense_layers)

    def check_built(self, layer):
        input_dim = self.input_shape[-1]
        for sublayer, units in zip(layer.dense_layers, layer.hidden_dims, strict=True):
            assert sublayer.built
            assert tuple(sublayer.kernel.shape) == (input_dim, units)
            input_dim = units

    def test_a_list_of_sizes_is_stored_as_a_tuple(self):
        layer = self.make_layer(hidden_dims=[5, 3])
        assert layer.hidden_dims == (5, 3)
        assert layer.get_config()["hidden_dims"] == [5, 3]
        assert len(layer.dense_layers) == 2
        outputs = to_numpy(layer(self.make_inputs()))
        assert outputs.shape == self.input_shape[:-1] + (3,)

    def test_hidden_dims_default_is_immutable(self):
        signature = inspect.signature(DenseStack.__init__)
        assert isinstance(signature.parameters["hidden_dims"].default, tuple)
