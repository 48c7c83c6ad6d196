"""Tests for `LayerSequence`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np

from keras_scaffold_checks import LayerChecks, infer_each, to_numpy
from layer_sequence import LayerSequence


class TestLayerSequence(LayerChecks):
    layer_class = LayerSequence
    input_shape = (4, 6)
    expected_trainable_weights = 4
    expected_non_trainable_weights = 0
    invalid_arguments = (
        (
            "sublayers",
            [],
            ValueError,
            "a non-empty list of Keras layers or layer configs",
        ),
    )
    invalid_combinations = (
        ({"sublayers": keras.layers.Dense(4)}, ValueError, "non-empty list"),
        ({"sublayers": [keras.layers.Dense(4), "dense"]}, ValueError, "non-empty"),
        ({"sublayers": [{"units": 4}]}, ValueError, "a layer config"),
        (
            {"sublayers": [{"class_name": "NotALayer", "config": {}}]},
            ValueError,
            "a layer config",
        ),
    )

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "sublayers": [
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(4),
            ],
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "sublayers": [
                keras.layers.Dense(5, activation="tanh"),
                keras.layers.serialize(keras.layers.Dense(3)),
            ],
        }

    def sublayers(self, layer):
        return layer.sublayers

    def check_construction(self, layer):
        assert len(layer.sublayers) == 2
        assert all(isinstance(sub, keras.layers.Layer) for sub in layer.sublayers)
        assert not any(sub.built for sub in layer.sublayers)

    def check_built(self, layer):
        assert all(sub.built for sub in layer.sublayers)
        assert tuple(layer.sublayers[0].kernel.shape) == (self.input_shape[-1], 8)
        assert tuple(layer.sublayers[1].kernel.shape) == (8, 4)

    def make_config_of_configs(self):
        config = self.make_config()
        config["sublayers"] = [keras.layers.serialize(s) for s in config["sublayers"]]
        return config

    def make_layer_with_policy(self, policy):
        # Layer objects keep their own policy; configs take this layer's.
        return LayerSequence(**self.make_config_of_configs(), dtype=policy)

    def test_sublayers_accept_configs_and_keep_their_names_through_the_config(self):
        layer = LayerSequence(**self.make_config_of_configs())
        assert all(isinstance(sub, keras.layers.Layer) for sub in layer.sublayers)
        restored = LayerSequence.from_config(layer.get_config())
        names = [sub.name for sub in layer.sublayers]
        assert [sub.name for sub in restored.sublayers] == names

    def test_configs_take_the_dtype_policy_and_layer_objects_keep_their_own(self):
        sublayers = [
            keras.layers.serialize(keras.layers.Dense(8)),
            keras.layers.Dense(4, dtype="float32"),
        ]
        layer = self.make_layer(sublayers=sublayers, dtype="mixed_bfloat16")
        assert layer.sublayers[0].dtype_policy.name == "mixed_bfloat16"
        assert layer.sublayers[1].dtype_policy.name == "float32"
        restored = LayerSequence.from_config(layer.get_config())
        assert [sub.dtype_policy.name for sub in restored.sublayers] == [
            "mixed_bfloat16",
            "float32",
        ]

    def test_a_sublayer_that_arrives_built_is_not_built_again(self):
        built = keras.layers.Dense(8)
        built.build(self.input_shape)
        sublayers = [keras.layers.serialize(built), keras.layers.Dense(4)]
        layer = self.make_layer(sublayers=sublayers)
        assert layer.sublayers[0].built
        layer.build(self.input_shape)
        assert layer.sublayers[1].built
        outputs = to_numpy(layer(self.make_inputs()))
        assert outputs.shape == self.input_shape[:-1] + (4,)

    def test_symbolic_and_eager_outputs_agree_for_any_sublayer(self):
        class CallOnly(keras.layers.Layer):
            """A sub-layer that defines nothing but `call()`."""

            def call(self, inputs):
                return keras.ops.cast(inputs > 0, "int32")

        cases = [
            [keras.layers.Dense(4, dtype="mixed_float16")],
            [keras.layers.Discretization(bin_boundaries=[0.0])],
            [keras.layers.Dense(4), CallOnly()],
        ]
        for sublayers in cases:
            layer = self.make_layer(sublayers=sublayers)
            eager = layer(self.make_inputs())
            symbolic = layer(keras.Input(shape=self.input_shape[1:]))
            assert tuple(symbolic.shape)[1:] == tuple(eager.shape)[1:]
            assert keras.backend.standardize_dtype(
                symbolic.dtype
            ) == keras.backend.standardize_dtype(eager.dtype)
            shape = layer.compute_output_shape(self.input_shape)
            assert tuple(shape) == tuple(eager.shape)

    def test_the_mask_reaches_sublayers_that_take_it(self):
        sublayers = [keras.layers.Dense(8), keras.layers.GlobalAveragePooling1D()]
        inputs = keras.Input(shape=(None, self.input_shape[-1]))
        masked = keras.layers.Masking(mask_value=0.0)(inputs)
        model = keras.Model(inputs, self.make_layer(sublayers=sublayers)(masked))
        real = self.make_inputs((2, 3, self.input_shape[-1])) + 5.0
        padded = np.concatenate([real, np.zeros_like(real)], axis=1)
        expected, outputs = infer_each(model, [real, padded])
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)
