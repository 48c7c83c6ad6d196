"""Tests for `TransformerBlock`: construction, build, shapes, serialization,
training."""

import inspect
import json

import keras
import numpy as np
import pytest

from transformer_block import TransformerBlock

INPUT_SHAPE = (2, 4, 8)


def make_config():
    """Arguments for the layer under test (fresh objects on every call)."""
    return {
        "hidden_dim": 8,
        "intermediate_dim": 16,
    }


def make_other_config():
    """A valid value other than the default for every argument."""
    return {
        "hidden_dim": 8,
        "intermediate_dim": 17,
        "num_heads": 4,
        "dropout_rate": 0.5,
        "activation": "tanh",
        "layer_norm_epsilon": 2e-05,
        "norm_first": False,
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
    layer = TransformerBlock(**config)
    assert not layer.built
    stored = layer.get_config()
    for name, value in config.items():
        assert name in stored
        if isinstance(value, (bool, int, float, str)):
            assert stored[name] == value
    attention = layer._self_attention_layer
    assert attention.num_heads == layer.num_heads
    assert attention.key_dim == layer.hidden_dim // layer.num_heads
    assert all(not sub.weights for sub in sublayers_of(layer))


def test_build_creates_every_weight():
    layer = TransformerBlock(**make_config())
    layer.build(INPUT_SHAPE)
    assert layer.built
    assert len(layer.trainable_weights) == 16
    assert len(layer.non_trainable_weights) == 0
    assert all(sub.built for sub in sublayers_of(layer))
    hidden_dim, intermediate_dim = INPUT_SHAPE[-1], layer.intermediate_dim
    intermediate = layer._feedforward_intermediate_dense
    assert tuple(intermediate.kernel.shape) == (hidden_dim, intermediate_dim)
    output = layer._feedforward_output_dense
    assert tuple(output.kernel.shape) == (intermediate_dim, hidden_dim)


def test_output_shape_eager_and_symbolic_match_compute_output_shape():
    layer = TransformerBlock(**make_config())
    expected = tuple(layer.compute_output_shape(INPUT_SHAPE))
    outputs = layer(make_inputs())
    assert tuple(outputs.shape) == expected
    symbolic = layer(keras.Input(batch_shape=(None,) + INPUT_SHAPE[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_serialization_cycle_gives_identical_outputs(tmp_path):
    model = make_model(TransformerBlock(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(
        to_numpy(restored(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


def test_config_round_trip_with_non_default_values(tmp_path):
    layer = TransformerBlock(**make_other_config())
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = TransformerBlock.from_config(config)
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
    signature = inspect.signature(TransformerBlock.__init__)
    arguments = {
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind
        not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    }
    missing = arguments - set(TransformerBlock(**make_config()).get_config())
    assert not missing, f"get_config() lacks {sorted(missing)}"


def test_one_fit_step_reaches_every_trainable_weight():
    model = make_model(TransformerBlock(**make_config()))
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
    layer = TransformerBlock(**make_config())
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
        ("intermediate_dim", 0),
        ("num_heads", 0),
        ("dropout_rate", -0.5),
        ("activation", "not_a_activation"),
        ("layer_norm_epsilon", 0),
        ("norm_first", "yes"),
        ("num_heads", 3),
        ("hidden_dim", 9),
    ],
)
def test_invalid_arguments_raise_value_error(argument, value):
    config = make_config()
    config[argument] = value
    with pytest.raises(ValueError, match=f"`{argument}`"):
        TransformerBlock(**config)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_computes_in_half_and_keeps_float32_weights(policy):
    layer = TransformerBlock(**make_config(), dtype=policy)
    outputs = layer(make_inputs())
    assert keras.backend.standardize_dtype(outputs.dtype) == layer.compute_dtype
    assert layer.compute_dtype == policy.removeprefix("mixed_")
    for weight in layer.weights:
        assert keras.backend.standardize_dtype(weight.dtype) == "float32", weight.path


# A sub-layer created without `dtype=self.dtype_policy` would stay in float32.
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "bfloat16"])
def test_every_sub_layer_follows_the_dtype_policy(policy):
    layer = TransformerBlock(**make_config(), dtype=policy)
    subs = sublayers_of(layer)
    subs = [sub for sub in subs if sub is not None]
    assert subs
    for sub in subs:
        assert sub.compute_dtype == layer.compute_dtype, sub.name
        assert sub.variable_dtype == layer.variable_dtype, sub.name


def test_compiled_predict_matches_eager():
    model = make_model(TransformerBlock(**make_config()))
    inputs = make_inputs()
    eager = to_numpy(model(inputs, training=False))
    # XLA on TensorFlow and JAX, torch.compile on PyTorch.
    model.compile(jit_compile=True)
    compiled = model.predict(inputs, batch_size=INPUT_SHAPE[0], verbose=0)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-5)


def test_weights_file_round_trip(tmp_path):
    model = make_model(TransformerBlock(**make_config()))
    inputs = make_inputs()
    expected = to_numpy(model(inputs, training=False))
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    fresh = make_model(TransformerBlock(**make_config()))
    fresh.load_weights(path)
    np.testing.assert_allclose(
        to_numpy(fresh(inputs, training=False)), expected, rtol=1e-6, atol=1e-6
    )


SUBLAYERS = (
    "_self_attention_layer_norm",
    "_self_attention_layer",
    "_self_attention_dropout",
    "_feedforward_layer_norm",
    "_feedforward_intermediate_dense",
    "_feedforward_intermediate_dropout",
    "_feedforward_output_dense",
    "_feedforward_output_dropout",
)


def sublayers_of(layer):
    """The layer's sub-layers, by the attribute names the module gives them."""
    return [getattr(layer, name) for name in SUBLAYERS]


def test_build_rejects_inputs_whose_last_dimension_is_not_hidden_dim():
    layer = TransformerBlock(**make_config())
    with pytest.raises(ValueError, match="hidden_dim"):
        layer.build(INPUT_SHAPE[:-1] + (INPUT_SHAPE[-1] + 2,))


def test_post_norm_outputs_are_normalized_per_token():
    layer = TransformerBlock(**{**make_config(), "norm_first": False})
    outputs = to_numpy(layer(make_inputs(), training=False))
    np.testing.assert_allclose(outputs.mean(axis=-1), 0.0, atol=1e-4)
    np.testing.assert_allclose(outputs.std(axis=-1), 1.0, atol=1e-3)


@pytest.mark.parametrize("norm_first", [True, False])
def test_causal_attention_mask_hides_later_positions(norm_first):
    layer = TransformerBlock(**{**make_config(), "norm_first": norm_first})
    batch_size, seq_len = INPUT_SHAPE[0], INPUT_SHAPE[1]
    causal = np.tril(np.ones((batch_size, seq_len, seq_len), dtype=bool))
    inputs = make_inputs()
    changed = inputs.copy()
    changed[:, -1] = make_inputs(seed=1)[:, -1]
    first = to_numpy(layer(inputs, attention_mask=causal))[:, 0]
    unchanged = to_numpy(layer(changed, attention_mask=causal))[:, 0]
    np.testing.assert_allclose(unchanged, first, rtol=1e-5, atol=1e-5)
    unmasked = to_numpy(layer(changed))[:, 0]
    assert not np.allclose(unmasked, to_numpy(layer(inputs))[:, 0])
