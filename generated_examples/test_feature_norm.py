"""Tests for `FeatureNorm`: construction, build, shapes, serialization, training."""

import inspect
import json

import keras
import numpy as np
import pytest

from feature_norm import FeatureNorm

INPUT_SHAPE = (4, 6)


def make_config():
    """Arguments for the layer under test (fresh objects on every call)."""
    return {
        "epsilon": 0.001,
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "epsilon": 0.002,
        "center": False,
        "scale": False,
        "beta_initializer": "he_normal",
        "gamma_initializer": "he_normal",
        "beta_regularizer": "l2",
        "gamma_regularizer": "l2",
    }


def make_inputs(seed=0):
    return np.random.default_rng(seed).standard_normal(INPUT_SHAPE).astype("float32")


def make_model(layer):
    """A functional model around `layer`, for saving, loading and training."""
    inputs = keras.Input(shape=INPUT_SHAPE[1:])
    return keras.Model(inputs, layer(inputs))


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_construction_stores_config_and_leaves_layer_unbuilt():
    config = make_config()
    layer = FeatureNorm(**config)
    assert not layer.built
    stored = layer.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    assert layer.gamma is None
    assert layer.beta is None


def test_build_creates_every_weight():
    layer = FeatureNorm(**make_config())
    layer.build(INPUT_SHAPE)
    assert layer.built
    assert len(layer.trainable_weights) == 2
    assert len(layer.non_trainable_weights) == 0
    assert tuple(layer.gamma.shape) == (INPUT_SHAPE[-1],)
    assert tuple(layer.beta.shape) == (INPUT_SHAPE[-1],)


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    layer = FeatureNorm(**make_config())
    expected = tuple(layer.compute_output_shape(INPUT_SHAPE))
    outputs = layer(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = layer(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(FeatureNorm(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    layer = FeatureNorm(**make_other_config())
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = FeatureNorm.from_config(config)
    assert restored.get_config() == config
    model = make_model(layer)
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(reloaded(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_get_config_holds_every_init_argument():
    signature = inspect.signature(FeatureNorm.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(FeatureNorm(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(FeatureNorm(**make_config()))
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
    layer = FeatureNorm(**make_config())
    inputs = make_inputs()
    inference = to_numpy(layer(inputs, training=False))
    np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), inference)
    training = to_numpy(layer(inputs, training=True))
    assert training.shape == inference.shape
    np.testing.assert_allclose(training, inference, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("epsilon", 0),
        ("center", "yes"),
        ("scale", "yes"),
        ("beta_initializer", "not_a_initializer"),
        ("gamma_initializer", "not_a_initializer"),
        ("beta_regularizer", "not_a_regularizer"),
        ("gamma_regularizer", "not_a_regularizer"),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        FeatureNorm(**config)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_half_and_keeps_float32_weights(policy):
    layer = FeatureNorm(**make_config(), dtype=policy)
    outputs = layer(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
    assert layer.compute_dtype == policy.removeprefix("mixed_")
    for weight in layer.weights:
        assert keras.backend.standardize_dtype(weight.dtype) == "float32", weight.path


def test_compiled_predict_matches_eager():
    model = make_model(FeatureNorm(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(FeatureNorm(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(FeatureNorm(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def reference(inputs, epsilon):
    """Each example standardized over its last axis, in float64."""
    inputs = inputs.astype("float64")
    mean = inputs.mean(axis=-1, keepdims=True)
    variance = inputs.var(axis=-1, keepdims=True)
    return (inputs - mean) / np.sqrt(variance + epsilon)


def test_normalizes_each_example_over_its_features():
    layer = FeatureNorm(**make_config())
    inputs = make_inputs()
    outputs = to_numpy(layer(inputs))
    gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
    expected = reference(inputs, layer.epsilon) * gamma + beta
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)


def test_an_example_does_not_depend_on_the_rest_of_the_batch():
    layer = FeatureNorm(**make_config())
    inputs = make_inputs()
    np.testing.assert_allclose(
        to_numpy(layer(inputs[:1])), to_numpy(layer(inputs))[:1], rtol=1e-6, atol=1e-6
    )


def test_weights_are_sized_from_the_last_input_dimension():
    for shape in [(2, 3), (2, 5, 7)]:
        layer = FeatureNorm(**make_config())
        layer.build(shape)
        assert tuple(layer.gamma.shape) == (shape[-1],)
        assert tuple(layer.beta.shape) == (shape[-1],)


def test_center_and_scale_off_leave_no_weights():
    layer = FeatureNorm(**{**make_config(), "center": False, "scale": False})
    inputs = make_inputs()
    outputs = to_numpy(layer(inputs))
    assert layer.gamma is None and layer.beta is None
    assert not layer.weights
    expected = reference(inputs, layer.epsilon)
    np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)


def test_regularizers_add_their_losses():
    layer = FeatureNorm(
        **{**make_config(), "gamma_regularizer": "l2", "beta_regularizer": "l1"}
    )
    layer(make_inputs())
    assert len(layer.losses) == 2


def test_mixed_float16_computes_statistics_in_float32():
    layer = FeatureNorm(**make_config(), dtype="mixed_float16")
    # Values near 1000: their variance overflows float16 (largest value 65504).
    inputs = make_inputs() * 1000.0
    outputs = layer(inputs)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
    assert all(
        keras.backend.standardize_dtype(weight.dtype) == "float32"
        for weight in layer.weights
    )
    outputs = to_numpy(outputs).astype("float32")
    assert np.all(np.isfinite(outputs))
    np.testing.assert_allclose(
        outputs, reference(inputs, layer.epsilon), rtol=1e-2, atol=1e-2
    )
