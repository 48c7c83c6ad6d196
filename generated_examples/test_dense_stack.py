"""Tests for `DenseStack`: construction, build, shapes, serialization, training."""

import inspect
import json

import keras
import numpy as np
import pytest

from dense_stack import DenseStack

INPUT_SHAPE = (4, 6)


def make_config():
    """Arguments for the layer under test (fresh objects on every call)."""
    return {
        "hidden_dims": (16, 8),
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "hidden_dims": (17, 9),
        "activation": "tanh",
        "use_bias": False,
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
    layer = DenseStack(**config)
    assert not layer.built
    stored = layer.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    assert isinstance(layer.hidden_dims, tuple)
    assert [sublayer.name for sublayer in layer.dense_layers] == [
        f"dense_{index}" for index in range(len(layer.hidden_dims))
    ]
    assert not any(sublayer.built for sublayer in layer.dense_layers)


def test_build_creates_every_weight():
    layer = DenseStack(**make_config())
    layer.build(INPUT_SHAPE)
    assert layer.built
    assert len(layer.trainable_weights) == 4
    assert len(layer.non_trainable_weights) == 0
    input_dim = INPUT_SHAPE[-1]
    for sublayer, units in zip(layer.dense_layers, layer.hidden_dims, strict=True):
        assert sublayer.built
        assert tuple(sublayer.kernel.shape) == (input_dim, units)
        input_dim = units


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    layer = DenseStack(**make_config())
    expected = tuple(layer.compute_output_shape(INPUT_SHAPE))
    outputs = layer(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = layer(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(DenseStack(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    layer = DenseStack(**make_other_config())
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = DenseStack.from_config(config)
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
    signature = inspect.signature(DenseStack.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(DenseStack(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(DenseStack(**make_config()))
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
    layer = DenseStack(**make_config())
    inputs = make_inputs()
    inference = to_numpy(layer(inputs, training=False))
    np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), inference)
    training = to_numpy(layer(inputs, training=True))
    assert training.shape == inference.shape
    np.testing.assert_allclose(training, inference, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("hidden_dims", ()),
        ("activation", "not_a_activation"),
        ("use_bias", "yes"),
        ("hidden_dims", (8, 0)),
        ("hidden_dims", (8, 2.5)),
        ("hidden_dims", 8),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        DenseStack(**config)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_half_and_keeps_float32_weights(policy):
    layer = DenseStack(**make_config(), dtype=policy)
    outputs = layer(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
    assert layer.compute_dtype == policy.removeprefix("mixed_")
    for weight in layer.weights:
        assert keras.backend.standardize_dtype(weight.dtype) == "float32", weight.path


# A sub-layer created without `dtype=self.dtype_policy` would stay in float32.
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_every_sub_layer_follows_the_dtype_policy(policy):
    layer = DenseStack(**make_config(), dtype=policy)
    subs = layer.dense_layers
    subs = [sub for sub in subs if sub is not None]
    assert subs
    for sub in subs:
        assert sub.compute_dtype == layer.compute_dtype, sub.name
        assert sub.variable_dtype == layer.variable_dtype, sub.name


def test_compiled_predict_matches_eager():
    model = make_model(DenseStack(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(DenseStack(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(DenseStack(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_a_list_of_sizes_is_stored_as_a_tuple():
    layer = DenseStack(**{**make_config(), "hidden_dims": [5, 3]})
    assert layer.hidden_dims == (5, 3)
    assert layer.get_config()["hidden_dims"] == [5, 3]
    assert len(layer.dense_layers) == 2
    assert tuple(layer(make_inputs()).shape) == INPUT_SHAPE[:-1] + (3,)


def test_hidden_dims_default_is_immutable():
    default = inspect.signature(DenseStack.__init__).parameters["hidden_dims"]
    assert isinstance(default.default, tuple)
