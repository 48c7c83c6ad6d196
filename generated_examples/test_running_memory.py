"""Tests for `RunningMemory`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np

from keras_scaffold_checks import LayerChecks, to_numpy
from running_memory import RunningMemory


class TestRunningMemory(LayerChecks):
    layer_class = RunningMemory
    input_shape = (4, 6)
    expected_trainable_weights = 2
    expected_non_trainable_weights = 1
    invalid_arguments = (
        ("units", 0, ValueError, "a positive integer"),
        ("momentum", -0.5, ValueError, "a float between 0 and 1"),
    )
    invalid_combinations = (
        ({"momentum": 1.0}, ValueError, "`momentum` must be below"),
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
            "momentum": 0.5,
        }

    def sublayers(self, layer):
        return [layer.dense]

    def check_construction(self, layer):
        assert not layer.dense.built
        assert layer.dense.dtype_policy.name == layer.dtype_policy.name
        assert layer.memory is None

    def check_built(self, layer):
        assert layer.dense.built
        assert tuple(layer.dense.kernel.shape) == (self.input_shape[-1], layer.units)
        assert tuple(layer.memory.shape) == (layer.units,)
        assert not layer.memory.trainable
        np.testing.assert_array_equal(state_of(layer), 0.0)

    def test_inference_leaves_the_state_unchanged(self):
        layer = self.make_layer()
        inputs = self.make_inputs()
        first = to_numpy(layer(inputs, training=False))
        layer(self.make_inputs(seed=1))  # `training` unset means inference
        np.testing.assert_array_equal(state_of(layer), 0.0)
        np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), first)

    def test_training_moves_the_state_by_momentum(self):
        layer = self.make_layer()
        inputs = self.make_inputs()
        before = to_numpy(layer(inputs, training=True))
        projected = to_numpy(layer.dense(inputs))
        np.testing.assert_allclose(before, projected, rtol=1e-6, atol=1e-6)
        batch_mean = projected.reshape(-1, projected.shape[-1]).mean(axis=0)
        expected = (1.0 - layer.momentum) * batch_mean
        np.testing.assert_allclose(state_of(layer), expected, rtol=1e-5, atol=1e-6)
        # Later calls add the moved state.
        np.testing.assert_allclose(
            to_numpy(layer(inputs, training=False)),
            projected + expected,
            rtol=1e-5,
            atol=1e-5,
        )

    def test_masked_steps_do_not_move_the_state(self):
        layer = self.make_layer()
        real = self.make_inputs((2, 3, self.input_shape[-1]))
        padded = np.concatenate([real, self.make_inputs(real.shape, seed=1)], axis=1)
        mask = np.array([[True] * 3 + [False] * 3] * 2)
        layer(real, training=True)
        expected = state_of(layer)
        layer.reset_state()
        layer(padded, training=True, mask=mask)
        np.testing.assert_allclose(state_of(layer), expected, rtol=1e-5, atol=1e-6)

    def test_fit_moves_the_state_and_predict_does_not(self, fitted):
        moved = state_of(self.find_layer(fitted.model))
        assert np.any(moved != 0.0), "a training step should move the state"
        fitted.model.predict(fitted.inputs, verbose=0)
        np.testing.assert_array_equal(state_of(self.find_layer(fitted.model)), moved)

    def test_a_frozen_layer_keeps_its_state(self):
        layer = self.make_layer()
        layer.trainable = False
        layer(self.make_inputs(), training=True)
        np.testing.assert_array_equal(state_of(layer), 0.0)

    def test_reset_state_zeroes_the_state(self):
        self.make_layer().reset_state()  # before build: nothing to reset
        layer = self.make_layer()
        inputs = self.make_inputs()
        expected = to_numpy(layer(inputs, training=False))
        layer(inputs, training=True)
        assert np.any(state_of(layer) != 0.0)
        layer.reset_state()
        np.testing.assert_array_equal(state_of(layer), 0.0)
        np.testing.assert_allclose(
            to_numpy(layer(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
        )

    def test_saved_model_carries_the_state(self, tmp_path):
        model = self.make_model(self.make_layer())
        inputs = self.make_inputs()
        model(inputs, training=True)
        moved = state_of(self.find_layer(model))
        assert np.any(moved != 0.0)
        path = str(tmp_path / "model.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        np.testing.assert_array_equal(state_of(self.find_layer(restored)), moved)
        np.testing.assert_allclose(
            to_numpy(restored(inputs, training=False)),
            to_numpy(model(inputs, training=False)),
            rtol=1e-6,
            atol=1e-6,
        )

    def test_mixed_float16_casts_the_state_and_keeps_it_float32(self):
        layer = self.make_layer(dtype="mixed_float16")
        inputs = self.make_inputs()
        outputs = layer(inputs, training=True)
        assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
        assert keras.backend.standardize_dtype(layer.memory.dtype) == "float32"
        outputs = layer(inputs, training=False)
        assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
        assert np.all(np.isfinite(state_of(layer)))
        assert np.any(state_of(layer) != 0.0)

    def test_the_state_follows_the_policy_variable_dtype(self):
        layer = self.make_layer(dtype="bfloat16")
        layer.build(self.input_shape)
        assert keras.backend.standardize_dtype(layer.memory.dtype) == "bfloat16"


def state_of(layer):
    """A copy of the state (a view could change when the state is assigned)."""
    return np.array(to_numpy(layer.memory), copy=True)
