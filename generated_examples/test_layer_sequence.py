"""Tests for `LayerSequence`: construction, build, shapes, serialization, training."""

import inspect
import json

import keras
import numpy as np
import pytest

from layer_sequence import LayerSequence

INPUT_SHAPE = (4, 6)


def make_config():
    """Arguments for the layer under test (fresh objects on every call)."""
    return {
        "sublayers": [
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(4),
        ],
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "sublayers": [
            keras.layers.Dense(5, activation="tanh"),
            keras.layers.serialize(keras.layers.Dense(3)),
        ],
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
    layer = LayerSequence(**config)
    assert not layer.built
    stored = layer.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    assert len(layer.sublayers) == 2
    assert all(isinstance(sub, keras.layers.Layer) for sub in layer.sublayers)
    assert not any(sub.built for sub in layer.sublayers)


def test_build_creates_every_weight():
    layer = LayerSequence(**make_config())
    layer.build(INPUT_SHAPE)
    assert layer.built
    assert len(layer.trainable_weights) == 4
    assert len(layer.non_trainable_weights) == 0
    assert all(sub.built for sub in layer.sublayers)
    assert tuple(layer.sublayers[0].kernel.shape) == (INPUT_SHAPE[-1], 8)
    assert tuple(layer.sublayers[1].kernel.shape) == (8, 4)


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    layer = LayerSequence(**make_config())
    expected = tuple(layer.compute_output_shape(INPUT_SHAPE))
    outputs = layer(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = layer(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(LayerSequence(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    layer = LayerSequence(**make_other_config())
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = LayerSequence.from_config(config)
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
    signature = inspect.signature(LayerSequence.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(LayerSequence(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(LayerSequence(**make_config()))
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
    layer = LayerSequence(**make_config())
    inputs = make_inputs()
    inference = to_numpy(layer(inputs, training=False))
    np.testing.assert_allclose(to_numpy(layer(inputs, training=False)), inference)
    training = to_numpy(layer(inputs, training=True))
    assert training.shape == inference.shape
    np.testing.assert_allclose(training, inference, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("sublayers", []),
        ("sublayers", keras.layers.Dense(4)),
        ("sublayers", [keras.layers.Dense(4), "dense"]),
        ("sublayers", [{"units": 4}]),
        ("sublayers", [{"class_name": "NotALayer", "config": {}}]),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        LayerSequence(**config)


# Layer objects keep their own policy; configs take this layer's.
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_sublayers_from_configs_follow_the_dtype_policy(policy):
    config = make_config()
    config["sublayers"] = [keras.layers.serialize(sub) for sub in config["sublayers"]]
    layer = LayerSequence(**config, dtype=policy)
    outputs = layer(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
    for sub in layer.sublayers:
        assert sub.compute_dtype == layer.compute_dtype
        assert sub.variable_dtype == layer.variable_dtype


def test_compiled_predict_matches_eager():
    model = make_model(LayerSequence(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(LayerSequence(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(LayerSequence(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_sublayers_accept_configs_and_keep_their_names_through_the_config():
    config = make_config()
    config["sublayers"] = [keras.layers.serialize(sub) for sub in config["sublayers"]]
    layer = LayerSequence(**config)
    assert all(isinstance(sub, keras.layers.Layer) for sub in layer.sublayers)
    restored = LayerSequence.from_config(layer.get_config())
    assert [sub.name for sub in restored.sublayers] == [
        sub.name for sub in layer.sublayers
    ]


def test_configs_take_the_dtype_policy_and_layer_objects_keep_their_own():
    config = make_config()
    config["sublayers"] = [
        keras.layers.serialize(keras.layers.Dense(8)),
        keras.layers.Dense(4, dtype="float32"),
    ]
    layer = LayerSequence(**config, dtype="mixed_bfloat16")
    assert layer.sublayers[0].dtype_policy.name == "mixed_bfloat16"
    assert layer.sublayers[1].dtype_policy.name == "float32"
    restored = LayerSequence.from_config(layer.get_config())
    assert [sub.dtype_policy.name for sub in restored.sublayers] == [
        "mixed_bfloat16",
        "float32",
    ]


def test_a_sublayer_that_arrives_built_is_not_built_again():
    built = keras.layers.Dense(8)
    built.build(INPUT_SHAPE)
    config = make_config()
    config["sublayers"] = [keras.layers.serialize(built), keras.layers.Dense(4)]
    layer = LayerSequence(**config)
    assert layer.sublayers[0].built
    layer.build(INPUT_SHAPE)
    assert layer.sublayers[1].built
    assert tuple(layer(make_inputs()).shape) == INPUT_SHAPE[:-1] + (4,)
