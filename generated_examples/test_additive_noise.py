"""Tests for `AdditiveNoise`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np

from additive_noise import AdditiveNoise
from keras_scaffold_checks import LayerChecks, compiled_predict_available, to_numpy


class TestAdditiveNoise(LayerChecks):
    layer_class = AdditiveNoise
    input_shape = (4, 6)
    expected_trainable_weights = 0
    expected_non_trainable_weights = 0
    expected_seed_generators = 1
    stochastic = True
    invalid_arguments = (
        ("stddev", -0.5, ValueError, "a non-negative float"),
        ("seed", -1, ValueError, "a non-negative integer or None"),
    )

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "seed": 42,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "stddev": 0.2,
            "seed": 7,
        }

    def check_construction(self, layer):
        assert isinstance(layer.seed_generator, keras.random.SeedGenerator)

    def make_noisy_layer(self, **overrides):
        """The layer with a positive `stddev`."""
        return self.make_layer(**{"stddev": 0.1, **overrides})

    def test_the_same_seed_draws_the_same_numbers(self):
        inputs = self.make_inputs()
        first = to_numpy(self.make_noisy_layer(seed=3)(inputs, training=True))
        again = to_numpy(self.make_noisy_layer(seed=3)(inputs, training=True))
        np.testing.assert_array_equal(again, first)
        other = to_numpy(self.make_noisy_layer(seed=4)(inputs, training=True))
        assert not np.allclose(other, first), "another seed draws the same numbers"

    def test_successive_training_calls_draw_new_numbers(self):
        layer = self.make_noisy_layer()
        inputs = self.make_inputs()
        first = to_numpy(layer(inputs, training=True))
        second = to_numpy(layer(inputs, training=True))
        assert not np.allclose(second, first), "the noise repeats"

    def test_inference_returns_the_inputs(self):
        layer = self.make_layer()
        inputs = self.make_inputs()
        layer(inputs, training=True)
        np.testing.assert_array_equal(to_numpy(layer(inputs)), inputs)
        np.testing.assert_array_equal(to_numpy(layer(inputs, training=False)), inputs)

    def test_the_noise_has_the_requested_spread(self):
        layer = self.make_noisy_layer()
        inputs = np.zeros((64, 256), "float32")
        noise = to_numpy(layer(inputs, training=True))
        np.testing.assert_allclose(noise.mean(), 0.0, atol=0.05 * layer.stddev + 1e-6)
        np.testing.assert_allclose(noise.std(), layer.stddev, rtol=0.05)

    def test_a_compiled_function_draws_new_numbers_on_every_call(self):
        # `predict` of a model that calls the layer in training mode: XLA on
        # TensorFlow and JAX (and torch.compile when enabled) must not freeze
        # the draw into a constant.
        jit_compile = compiled_predict_available()
        model = AlwaysTraining(self.make_noisy_layer())
        model.compile(jit_compile=jit_compile)
        inputs = np.repeat(self.make_inputs()[:1], 4, axis=0)
        first = model.predict(inputs, batch_size=2, verbose=0)
        second = model.predict(inputs, batch_size=2, verbose=0)
        assert not np.allclose(second, first), "a second predict repeats the noise"
        # Within one call: each batch, and each example, gets its own numbers.
        assert not np.allclose(first[:2], first[2:]), "every batch gets the same noise"
        assert not np.allclose(first[0], first[1])

    def test_compiled_training_steps_move_the_seed_generator(self):
        layer = self.make_noisy_layer()
        model = self.make_model(layer)
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.0),
            loss="mse",
            jit_compile=compiled_predict_available(),
        )
        inputs = self.make_inputs()
        states = []
        for _ in range(2):
            model.fit(inputs, inputs, epochs=1, batch_size=len(inputs), verbose=0)
            states.append(to_numpy(layer.seed_generator.state).copy())
        assert not np.array_equal(states[0], states[1]), "the seed state is frozen"

    def test_the_seed_survives_saving(self, reloaded):
        restored = self.find_layer(reloaded.restored)
        assert restored.seed == self.make_config().get("seed")
        assert isinstance(restored.seed_generator, keras.random.SeedGenerator)

    def test_the_seed_state_is_not_saved(self, tmp_path):
        # As the docstring says: a reloaded layer draws from `seed` again.
        layer = self.make_noisy_layer(seed=3)
        model = self.make_model(layer)
        inputs = self.make_inputs()
        for _ in range(2):
            layer(inputs, training=True)
        path = str(tmp_path / "model.keras")
        model.save(path)
        restored = self.find_layer(keras.models.load_model(path))
        fresh = self.make_noisy_layer(seed=3)
        np.testing.assert_array_equal(
            to_numpy(restored(inputs, training=True)),
            to_numpy(fresh(inputs, training=True)),
        )


# Never saved, so never registered.
class AlwaysTraining(keras.Model):  # keras-scaffold: noqa KS101
    """Calls `layer` in training mode, so that `predict` runs its random branch."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer

    def call(self, inputs):
        return self.layer(inputs, training=True)
