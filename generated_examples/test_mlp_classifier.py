"""Tests for `MlpClassifier`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np
import pytest

from keras_scaffold_checks import HALF_POLICIES, ModelChecks, fit_once, to_numpy
from mlp_classifier import MlpClassifier


class TestMlpClassifier(ModelChecks):
    layer_class = MlpClassifier
    input_shape = (4, 6)
    expected_trainable_weights = 6
    expected_non_trainable_weights = 0
    expected_seed_generators = 2
    stochastic = True
    # The softmax computes in float32 under every policy.
    output_dtype = "float32"
    invalid_arguments = (
        ("num_classes", 0, ValueError, "a positive integer"),
        ("hidden_dims", (0,), ValueError, "a non-empty tuple of positive integers"),
        ("dropout_rate", -0.5, ValueError, "a float between 0 and 1"),
        ("activation", "not_a_activation", ValueError, None),
    )
    invalid_combinations = (
        ({"num_classes": 1}, ValueError, "`num_classes` must be at"),
        ({"dropout_rate": 1.0}, ValueError, "`dropout_rate` must be below"),
    )
    object_arguments = (("activation", "activation"),)

    def make_config(self):
        """Arguments for the model under test (fresh objects on every call)."""
        return {
            "num_classes": 3,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "num_classes": 4,
            "hidden_dims": (17, 9),
            "dropout_rate": 0.5,
            "activation": "tanh",
        }

    def sublayers(self, layer):
        return layer.hidden_layers + layer.dropout_layers + [layer.classifier]

    def check_construction(self, layer):
        assert [dense.units for dense in layer.hidden_layers] == list(layer.hidden_dims)
        assert len(layer.dropout_layers) == len(layer.hidden_layers)
        assert layer.classifier.units == layer.num_classes
        names = [sub.name for sub in layer.hidden_layers + layer.dropout_layers]
        assert len(set(names + [layer.classifier.name])) == len(names) + 1
        assert not any(sub.built for sub in layer.hidden_layers + [layer.classifier])

    def check_built(self, layer):
        assert all(sub.built for sub in layer.hidden_layers + layer.dropout_layers)
        assert layer.classifier.built
        features = self.input_shape[-1]
        for dense, units in zip(layer.hidden_layers, layer.hidden_dims, strict=True):
            assert tuple(dense.kernel.shape) == (features, units)
            features = units
        assert tuple(layer.classifier.kernel.shape) == (features, layer.num_classes)

    def make_dataset(self, model):
        """Random features of `input_shape` and integer labels for `model`'s
        classes."""
        rng = np.random.default_rng(0)
        features = rng.standard_normal(self.input_shape).astype("float32")
        labels = rng.integers(0, model.num_classes, size=self.input_shape[:1])
        return features, labels

    @pytest.fixture(scope="class")
    @classmethod
    def trained(cls, tmp_path_factory):
        """A classifier compiled as users compile it, fitted one step, saved and
        reloaded."""
        self = cls()
        keras.utils.set_random_seed(0)
        model = self.make_model(self.make_layer())
        model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        features, labels = self.make_dataset(model)
        trained = fit_once(model, features, labels)
        path = str(tmp_path_factory.mktemp("classifier") / "classifier.keras")
        model.save(path)
        trained.restored = keras.models.load_model(path)
        return trained

    # The shared checks' fit step is the classifier's own: one compiled `fit`.
    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, trained):
        return trained

    def test_compile_and_fit_one_epoch(self, trained):
        assert np.isfinite(trained.loss)
        assert 0.0 <= trained.history.history["accuracy"][0] <= 1.0

    @pytest.mark.parametrize("policy", [None, *HALF_POLICIES])
    def test_outputs_are_float32_probability_rows(
        self, policy, reloaded, half_precision
    ):
        # The shared checks' models under each policy, on make_inputs().
        if policy is None:
            model, probabilities = reloaded.model, reloaded.expected
        else:
            model, probabilities = half_precision[policy]
        assert keras.backend.standardize_dtype(probabilities.dtype) == "float32"
        assert probabilities.shape == (self.input_shape[0], model.num_classes)
        assert np.all(probabilities >= 0.0)
        np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-6)

    def test_saved_model_reloads_and_keeps_training(self, trained):
        model, restored = trained.model, trained.restored
        features, labels = trained.inputs, trained.targets
        assert isinstance(restored, MlpClassifier)
        assert restored.get_config() == model.get_config()
        np.testing.assert_allclose(
            to_numpy(restored(features, training=False)),
            to_numpy(model(features, training=False)),
            rtol=1e-6,
            atol=1e-6,
        )
        steps = int(to_numpy(restored.optimizer.iterations))
        assert steps == int(to_numpy(model.optimizer.iterations))

        again = fit_once(restored, features, labels)
        assert np.isfinite(again.loss)
        assert int(to_numpy(restored.optimizer.iterations)) > steps
        assert all(
            not np.array_equal(old, new)
            for old, new in zip(again.before, again.after, strict=True)
        )
