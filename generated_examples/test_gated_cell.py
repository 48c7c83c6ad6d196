"""Tests for `GatedCell`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np

from gated_cell import GatedCell
from keras_scaffold_checks import LayerChecks, infer_each, side_by_side, to_numpy


class TestGatedCell(LayerChecks):
    layer_class = GatedCell
    input_shape = (2, 3, 4)
    expected_trainable_weights = 3
    expected_non_trainable_weights = 0
    invalid_arguments = (
        ("units", 0, ValueError, "a positive integer"),
        ("activation", "not_a_activation", ValueError, None),
        ("recurrent_activation", "not_a_activation", ValueError, None),
        ("use_bias", "yes", ValueError, "a boolean"),
        ("kernel_initializer", "not_a_initializer", ValueError, None),
        ("recurrent_initializer", "not_a_initializer", ValueError, None),
        ("bias_initializer", "not_a_initializer", ValueError, None),
    )
    object_arguments = (
        ("activation", "activation"),
        ("recurrent_activation", "activation"),
        ("kernel_initializer", "initializer"),
        ("recurrent_initializer", "initializer"),
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
            "activation": "relu",
            "recurrent_activation": "tanh",
            "use_bias": False,
            "kernel_initializer": "random_uniform",
            "recurrent_initializer": "random_uniform",
            "bias_initializer": "random_uniform",
        }

    def check_construction(self, layer):
        assert layer.state_size == layer.units
        assert layer.output_size == layer.units
        assert layer.kernel is None

    def check_built(self, layer):
        units = layer.units
        assert tuple(layer.kernel.shape) == (self.input_shape[-1], 2 * units)
        assert tuple(layer.recurrent_kernel.shape) == (units, 2 * units)

    # The shared checks run a cell inside `keras.layers.RNN` (`apply_layer`).

    def test_get_initial_state_gives_zeros_in_the_compute_dtype(self):
        for policy in ("float32", "mixed_float16"):
            layer = self.make_layer(dtype=policy)
            states = layer.get_initial_state(batch_size=3)
            assert len(states) == 1
            assert tuple(states[0].shape) == (3, layer.state_size)
            dtype = keras.backend.standardize_dtype(states[0].dtype)
            assert dtype == layer.compute_dtype
            np.testing.assert_array_equal(to_numpy(states[0]), 0.0)

    def test_one_step_returns_the_output_and_the_new_states(self):
        layer = self.make_layer()
        batch_size, _, features = self.input_shape
        step = self.make_inputs((batch_size, features))
        states = layer.get_initial_state(batch_size=batch_size)
        output, new_states = layer(step, states)
        assert tuple(output.shape) == (batch_size, layer.output_size)
        assert isinstance(new_states, (list, tuple)) and len(new_states) == 1
        np.testing.assert_allclose(to_numpy(new_states[0]), to_numpy(output))
        # A single state tensor in, a single state tensor out.
        output, new_state = layer(step, states[0])
        assert tuple(new_state.shape) == (batch_size, layer.state_size)

    def test_rnn_computes_what_stepping_the_cell_does(self):
        layer = self.make_layer()
        inputs = self.make_inputs()
        sequences = to_numpy(self.call_layer(layer, inputs))
        states = layer.get_initial_state(batch_size=inputs.shape[0])
        for step in range(inputs.shape[1]):
            output, states = layer(inputs[:, step], states)
            np.testing.assert_allclose(
                sequences[:, step], to_numpy(output), rtol=1e-5, atol=1e-5
            )

    def test_saved_and_reloaded_inside_rnn_with_sequences_and_state(self, tmp_path):
        inputs = keras.Input(shape=self.flexible_shape()[1:])
        rnn = keras.layers.RNN(
            self.make_layer(), return_sequences=True, return_state=True
        )
        model = keras.Model(inputs, rnn(inputs))
        data = self.make_inputs()
        sequences, state = (to_numpy(x) for x in model(data))
        np.testing.assert_allclose(sequences[:, -1], state, rtol=1e-6, atol=1e-6)
        path = str(tmp_path / "model.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        assert type(self.find_layer(restored)) is self.layer_class
        for old, new in zip((sequences, state), restored(data), strict=True):
            np.testing.assert_allclose(to_numpy(new), old, rtol=1e-6, atol=1e-6)

    def test_padded_steps_leave_the_final_output_unchanged(self):
        features = self.input_shape[-1]
        inputs = keras.Input(shape=(None, features))
        masked = keras.layers.Masking(mask_value=0.0)(inputs)
        model = keras.Model(inputs, keras.layers.RNN(self.make_layer())(masked))
        unmasked = keras.Model(inputs, keras.layers.RNN(self.make_layer())(inputs))
        both = side_by_side([model, unmasked], (None, None, features), "float32")
        real = self.make_inputs((2, 3, features)) + 5.0  # no step is all zeros
        padded = np.concatenate([real, np.zeros((2, 2, features), "float32")], 1)
        (masked_real, unmasked_real), (masked_padded, unmasked_padded) = infer_each(
            both, [real, padded]
        )
        np.testing.assert_allclose(masked_padded, masked_real, rtol=1e-5, atol=1e-5)
        assert not np.allclose(unmasked_padded, unmasked_real)
