"""Tests for `MlpBlock`: construction, build, shapes, serialization, training."""

import inspect
import json

import keras
import numpy as np
import pytest

from mlp_block import MlpBlock

INPUT_SHAPE = (4, 6)


def make_config():
    """Arguments for the layer under test (fresh objects on every call)."""
    return {
        "hidden_dim": 8,
        "output_dim": 4,
        "dropout_rate": 0.5,
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "hidden_dim": 9,
        "output_dim": 5,
        "activation": "tanh",
        "dropout_rate": 0,
        "use_norm": False,
        "kernel_initializer": "he_normal",
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
    layer = MlpBlock(**config)
    assert not layer.built
    stored = layer.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    assert layer.hidden_dense.name == "hidden_dense"
    assert layer.dropout.name == "dropout"
    assert layer.output_dense.name == "output_dense"
    assert (layer.layer_norm is not None) == layer.use_norm
    for sublayer in (layer.hidden_dense, layer.layer_norm, layer.output_dense):
        assert sublayer is None or not sublayer.built
    initializers = (
        layer.kernel_initializer,
        layer.hidden_dense.kernel_initializer,
        layer.output_dense.kernel_initializer,
    )
    assert len({id(initializer) for initializer in initializers}) == 3


def test_build_creates_every_weight():
    layer = MlpBlock(**make_config())
    layer.build(INPUT_SHAPE)
    assert layer.built
    assert len(layer.trainable_weights) == 6
    assert len(layer.non_trainable_weights) == 0
    for sublayer in (layer.hidden_dense, layer.dropout, layer.output_dense):
        assert sublayer.built
    assert layer.layer_norm is None or layer.layer_norm.built
    hidden_dim, output_dim = layer.hidden_dim, layer.output_dim
    assert tuple(layer.hidden_dense.kernel.shape) == (INPUT_SHAPE[-1], hidden_dim)
    assert tuple(layer.output_dense.kernel.shape) == (hidden_dim, output_dim)


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    layer = MlpBlock(**make_config())
    expected = tuple(layer.compute_output_shape(INPUT_SHAPE))
    outputs = layer(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = layer(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(MlpBlock(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    layer = MlpBlock(**make_other_config())
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = MlpBlock.from_config(config)
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
    signature = inspect.signature(MlpBlock.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(MlpBlock(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(MlpBlock(**make_config()))
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
    layer = MlpBlock(**make_config())
    inputs = make_inputs()
    inference = to_numpy(layer(inputs, training=False))
    np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), inference)
    training = to_numpy(layer(inputs, training=True))
    assert training.shape == inference.shape
    assert not np.allclose(training, inference), "training=True should apply dropout"


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("hidden_dim", 0),
        ("output_dim", 0),
        ("activation", "not_a_activation"),
        ("dropout_rate", -0.5),
        ("use_norm", "yes"),
        ("kernel_initializer", "not_a_initializer"),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        MlpBlock(**config)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_half_and_keeps_float32_weights(policy):
    layer = MlpBlock(**make_config(), dtype=policy)
    outputs = layer(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
    assert layer.compute_dtype == policy.removeprefix("mixed_")
    for weight in layer.weights:
        assert keras.backend.standardize_dtype(weight.dtype) == "float32", weight.path


# A sub-layer created without `dtype=self.dtype_policy` would stay in float32.
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_every_sub_layer_follows_the_dtype_policy(policy):
    layer = MlpBlock(**make_config(), dtype=policy)
    subs = (layer.hidden_dense, layer.dropout, layer.layer_norm, layer.output_dense)
    subs = [sub for sub in subs if sub is not None]
    assert subs
    for sub in subs:
        assert sub.compute_dtype == layer.compute_dtype, sub.name
        assert sub.variable_dtype == layer.variable_dtype, sub.name


def test_compiled_predict_matches_eager():
    model = make_model(MlpBlock(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(MlpBlock(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(MlpBlock(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_without_norm_there_is_no_norm_layer():
    layer = MlpBlock(**{**make_config(), "use_norm": False})
    assert layer.layer_norm is None
    layer.build(INPUT_SHAPE)
    assert len(layer.trainable_weights) == 4
