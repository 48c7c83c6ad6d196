"""Tests for `MlpClassifier`: construction, build, shapes, serialization, training."""

import inspect
import json

import keras
import numpy as np
import pytest

from mlp_classifier import MlpClassifier

INPUT_SHAPE = (4, 6)


def make_config():
    """Arguments for the model under test (fresh objects on every call)."""
    return {
        "num_classes": 3,
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "num_classes": 4,
        "hidden_dims": (17, 9),
        "dropout_rate": 0.5,
        "activation": "tanh",
    }


def make_inputs(seed=0):
    return np.random.default_rng(seed).standard_normal(INPUT_SHAPE).astype("float32")


def make_model(model):
    """The model itself, built for a batch of any size, to save, load and train."""
    model.build((None,) + INPUT_SHAPE[1:])
    return model


def make_dataset(model, num_samples=16, seed=0):
    """Random features and integer labels for `model`'s classes."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((num_samples,) + INPUT_SHAPE[1:])
    labels = rng.integers(0, model.num_classes, size=(num_samples,))
    return features.astype("float32"), labels


def compile_classifier(model):
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_construction_stores_config_and_leaves_model_unbuilt():
    config = make_config()
    model = MlpClassifier(**config)
    assert not model.built
    stored = model.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    assert [dense.units for dense in model.hidden_layers] == list(model.hidden_dims)
    assert len(model.dropout_layers) == len(model.hidden_layers)
    assert model.classifier.units == model.num_classes
    names = [sub.name for sub in model.hidden_layers + model.dropout_layers]
    assert len(set(names + [model.classifier.name])) == len(names) + 1
    assert not any(sub.built for sub in model.hidden_layers + [model.classifier])


def test_build_creates_every_weight():
    model = MlpClassifier(**make_config())
    model.build(INPUT_SHAPE)
    assert model.built
    assert len(model.trainable_weights) == 6
    assert len(model.non_trainable_weights) == 0
    assert all(sub.built for sub in model.hidden_layers + model.dropout_layers)
    assert model.classifier.built
    features = INPUT_SHAPE[-1]
    for dense, units in zip(model.hidden_layers, model.hidden_dims, strict=True):
        assert tuple(dense.kernel.shape) == (features, units)
        features = units
    assert tuple(model.classifier.kernel.shape) == (features, model.num_classes)


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    model = MlpClassifier(**make_config())
    expected = tuple(model.compute_output_shape(INPUT_SHAPE))
    outputs = model(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = model(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(MlpClassifier(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    model = MlpClassifier(**make_other_config())
    config = model.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = MlpClassifier.from_config(config)
    assert restored.get_config() == config
    model = make_model(model)
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(reloaded(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_get_config_holds_every_init_argument():
    signature = inspect.signature(MlpClassifier.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(MlpClassifier(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(MlpClassifier(**make_config()))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    inputs = make_inputs()
    targets = np.ones(to_numpy(model(inputs)).shape, "float32")
    before = [weight.numpy() for weight in model.trainable_weights]
    history = model.fit(inputs, targets, epochs=1, batch_size=INPUT_SHAPE[0], verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # A weight that did not move got no gradient: a sub-layer left out of the graph.
    after = [weight.numpy() for weight in model.trainable_weights]
    unchanged = [
        weight.path
        for weight, old, new in zip(model.trainable_weights, before, after, strict=True)
        if np.array_equal(old, new)
    ]
    assert not unchanged, f"no gradient reached {unchanged}"


def test_training_and_inference_modes():
    model = MlpClassifier(**make_config())
    inputs = make_inputs()
    inference = to_numpy(model(inputs, training=False))
    np.testing.assert_allclose(to_numpy(model(inputs, training=False)), inference)
    training = to_numpy(model(inputs, training=True))
    assert training.shape == inference.shape
    assert not np.allclose(training, inference), "training=True should apply dropout"


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("num_classes", 0),
        ("hidden_dims", ()),
        ("dropout_rate", -0.5),
        ("activation", "not_a_activation"),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        MlpClassifier(**config)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_half_and_keeps_float32_weights(policy):
    model = MlpClassifier(**make_config(), dtype=policy)
    outputs = model(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == model.compute_dtype
    assert model.compute_dtype == policy.removeprefix("mixed_")
    for weight in model.weights:
        assert keras.backend.standardize_dtype(weight.dtype) == "float32", weight.path


# A sub-layer created without `dtype=self.dtype_policy` would stay in float32.
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_every_sub_layer_follows_the_dtype_policy(policy):
    model = MlpClassifier(**make_config(), dtype=policy)
    subs = model.hidden_layers + model.dropout_layers + [model.classifier]
    subs = [sub for sub in subs if sub is not None]
    assert subs
    for sub in subs:
        assert sub.compute_dtype == model.compute_dtype, sub.name
        assert sub.variable_dtype == model.variable_dtype, sub.name


def test_compiled_predict_matches_eager():
    model = make_model(MlpClassifier(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(MlpClassifier(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(MlpClassifier(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_compile_and_fit_one_epoch():
    model = compile_classifier(MlpClassifier(**make_config()))
    features, labels = make_dataset(model)
    history = model.fit(features, labels, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert 0.0 <= history.history["accuracy"][0] <= 1.0


def test_predict_gives_probability_rows():
    model = MlpClassifier(**make_config())
    features, _ = make_dataset(model)
    probabilities = model.predict(features, verbose=0)
    assert probabilities.shape == (len(features), model.num_classes)
    assert np.all(probabilities >= 0.0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5, atol=1e-5)


def test_saved_model_reloads_and_keeps_training(tmp_path):
    model = compile_classifier(MlpClassifier(**make_config()))
    features, labels = make_dataset(model)
    model.fit(features, labels, epochs=1, batch_size=8, verbose=0)
    expected = model.predict(features, verbose=0)
    path = str(tmp_path / "classifier.keras")
    model.save(path)

    restored = keras.models.load_model(path)
    assert isinstance(restored, MlpClassifier)
    assert restored.get_config() == model.get_config()
    np.testing.assert_allclose(
        restored.predict(features, verbose=0), expected, rtol=1e-6, atol=1e-6
    )
    steps = int(to_numpy(restored.optimizer.iterations))
    assert steps == int(to_numpy(model.optimizer.iterations))

    before = [to_numpy(weight) for weight in restored.trainable_weights]
    history = restored.fit(features, labels, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert int(to_numpy(restored.optimizer.iterations)) > steps
    after = [to_numpy(weight) for weight in restored.trainable_weights]
    assert all(
        not np.array_equal(old, new) for old, new in zip(before, after, strict=True)
    )
