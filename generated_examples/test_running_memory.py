"""Tests for `RunningMemory`: construction, build, shapes, serialization, training."""

import inspect
import json

import keras
import numpy as np
import pytest

from running_memory import RunningMemory

INPUT_SHAPE = (4, 6)


def make_config():
    """Arguments for the layer under test (fresh objects on every call)."""
    return {
        "units": 8,
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "units": 9,
        "momentum": 0.5,
    }


def make_inputs(seed=0):
    return np.random.default_rng(seed).standard_normal(INPUT_SHAPE).astype("float32")


def make_model(layer):
    """A functional model around `layer`, for saving, loading and training."""
    inputs = keras.Input(shape=INPUT_SHAPE[1:])
    return keras.Model(inputs, layer(inputs))


def state_of(layer):
    """A copy of the state (a view could change when the state is assigned)."""
    return np.array(layer.memory.numpy(), copy=True)


def find_layer(model):
    return next(layer for layer in model.layers if isinstance(layer, RunningMemory))


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_construction_stores_config_and_leaves_layer_unbuilt():
    config = make_config()
    layer = RunningMemory(**config)
    assert not layer.built
    stored = layer.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    assert not layer.dense.built
    assert layer.dense.dtype_policy.name == layer.dtype_policy.name
    assert layer.memory is None


def test_build_creates_every_weight():
    layer = RunningMemory(**make_config())
    layer.build(INPUT_SHAPE)
    assert layer.built
    assert len(layer.trainable_weights) == 2
    assert len(layer.non_trainable_weights) == 1
    assert layer.dense.built
    assert tuple(layer.dense.kernel.shape) == (INPUT_SHAPE[-1], layer.units)
    assert tuple(layer.memory.shape) == (layer.units,)
    assert not layer.memory.trainable
    np.testing.assert_array_equal(state_of(layer), 0.0)


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    layer = RunningMemory(**make_config())
    expected = tuple(layer.compute_output_shape(INPUT_SHAPE))
    outputs = layer(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = layer(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(RunningMemory(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    layer = RunningMemory(**make_other_config())
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = RunningMemory.from_config(config)
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
    signature = inspect.signature(RunningMemory.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(RunningMemory(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(RunningMemory(**make_config()))
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
    layer = RunningMemory(**make_config())
    inputs = make_inputs()
    inference = to_numpy(layer(inputs, training=False))
    np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), inference)
    training = to_numpy(layer(inputs, training=True))
    assert training.shape == inference.shape
    np.testing.assert_allclose(training, inference, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("units", 0),
        ("momentum", -0.5),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        RunningMemory(**config)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_half_and_keeps_float32_weights(policy):
    layer = RunningMemory(**make_config(), dtype=policy)
    outputs = layer(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
    assert layer.compute_dtype == policy.removeprefix("mixed_")
    for weight in layer.weights:
        assert keras.backend.standardize_dtype(weight.dtype) == "float32", weight.path


# A sub-layer created without `dtype=self.dtype_policy` would stay in float32.
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_every_sub_layer_follows_the_dtype_policy(policy):
    layer = RunningMemory(**make_config(), dtype=policy)
    subs = (layer.dense,)
    subs = [sub for sub in subs if sub is not None]
    assert subs
    for sub in subs:
        assert sub.compute_dtype == layer.compute_dtype, sub.name
        assert sub.variable_dtype == layer.variable_dtype, sub.name


def test_compiled_predict_matches_eager():
    model = make_model(RunningMemory(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(RunningMemory(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(RunningMemory(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_inference_leaves_the_state_unchanged():
    layer = RunningMemory(**make_config())
    inputs = make_inputs()
    first = to_numpy(layer(inputs, training=False))
    layer(make_inputs(seed=1))  # `training` unset means inference
    np.testing.assert_array_equal(state_of(layer), 0.0)
    np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), first)


def test_training_moves_the_state_by_momentum():
    layer = RunningMemory(**make_config())
    inputs = make_inputs()
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


def test_fit_moves_the_state_and_predict_does_not():
    model = make_model(RunningMemory(**make_config()))
    layer = find_layer(model)
    model.compile(optimizer="sgd", loss="mse")
    inputs = make_inputs()
    targets = np.ones(to_numpy(model(inputs)).shape, "float32")
    model.predict(inputs, verbose=0)
    np.testing.assert_array_equal(state_of(layer), 0.0)
    model.fit(inputs, targets, epochs=1, batch_size=INPUT_SHAPE[0], verbose=0)
    moved = state_of(layer)
    assert np.any(moved != 0.0), "a training step should move the state"
    model.predict(inputs, verbose=0)
    model.evaluate(inputs, targets, verbose=0)
    np.testing.assert_array_equal(state_of(layer), moved)


def test_a_frozen_layer_keeps_its_state():
    layer = RunningMemory(**make_config())
    layer.trainable = False
    layer(make_inputs(), training=True)
    np.testing.assert_array_equal(state_of(layer), 0.0)


def test_reset_state_zeroes_the_state():
    RunningMemory(**make_config()).reset_state()  # before build: nothing to reset
    layer = RunningMemory(**make_config())
    inputs = make_inputs()
    expected = to_numpy(layer(inputs, training=False))
    layer(inputs, training=True)
    assert np.any(state_of(layer) != 0.0)
    layer.reset_state()
    np.testing.assert_array_equal(state_of(layer), 0.0)
    np.testing.assert_allclose(
        to_numpy(layer(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_saved_model_carries_the_state(tmp_path):
    model = make_model(RunningMemory(**make_config()))
    inputs = make_inputs()
    model(inputs, training=True)
    moved = state_of(find_layer(model))
    assert np.any(moved != 0.0)
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(state_of(find_layer(restored)), moved, rtol=0, atol=0)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_mixed_float16_casts_the_state_and_keeps_it_float32():
    layer = RunningMemory(**make_config(), dtype="mixed_float16")
    inputs = make_inputs()
    outputs = layer(inputs, training=True)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
    assert layer.dense.compute_dtype == "float16"
    assert keras.backend.standardize_dtype(layer.memory.dtype) == "float32"
    outputs = layer(inputs, training=False)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
    assert np.all(np.isfinite(state_of(layer)))
    assert np.any(state_of(layer) != 0.0)
