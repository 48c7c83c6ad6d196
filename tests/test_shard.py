"""Tensor parallelism: stacks of generated examples train under
`keras.distribution.ModelParallel` on a (2 batch x 4 model) mesh of 8 JAX host
devices, with layout maps from the classes' `get_layout_map()` alone, chained.
Each stack matches the same stack trained unsharded (within 1e-4), each
generated layer has at least one kernel split over "model", every weight a rule
matches is laid out as the rule says, and the saved stack reloads sharded with
the same outputs. XLA must see the 8 devices before JAX starts: the checks run
in a process of their own."""

import json
import os
import subprocess
import sys

import pytest
from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_scaffold.render import ComponentTemplate
from keras_scaffold.templates import default_templates_dir

SCRIPT = r"""
import json
import sys

import keras
import numpy as np

sys.path.insert(0, sys.argv[1])
folder = sys.argv[2]
from attention_pooling import AttentionPooling
from conv_block import ConvBlock
from dense_stack import DenseStack
from gated_cell import GatedCell
from mlp_block import MlpBlock
from mlp_classifier import MlpClassifier
from running_memory import RunningMemory
from scaled_dense import ScaledDense
from token_and_position_embedding import TokenAndPositionEmbedding
from transformer_block import TransformerBlock

GENERATED = (
    AttentionPooling, ConvBlock, DenseStack, GatedCell, MlpBlock, MlpClassifier,
    RunningMemory, ScaledDense, TokenAndPositionEmbedding, TransformerBlock,
)
devices = keras.distribution.list_devices("cpu")
assert len(devices) == 8, devices
mesh = keras.distribution.DeviceMesh(
    shape=(2, 4), axis_names=("batch", "model"), devices=devices
)


def transformer():
    return TransformerBlock(
        hidden_dim=8, intermediate_dim=16, num_heads=4, dropout_rate=0.0
    )


def composite_transformer():
    inputs = keras.Input((6, 8))
    x = MlpBlock(hidden_dim=16, output_dim=8, dropout_rate=0.0)(inputs)
    x = transformer()(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def embedding_transformer_pooling():
    inputs = keras.Input((6,), dtype="int32")
    x = TokenAndPositionEmbedding(
        vocabulary_size=16, sequence_length=6, embedding_dim=8
    )(inputs)
    x = transformer()(x)
    x = AttentionPooling(hidden_dim=16)(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def simple_orchestration():
    inputs = keras.Input((8,))
    x = ScaledDense(units=16)(inputs)
    x = DenseStack(hidden_dims=[16, 8])(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def the_others():
    inputs = keras.Input((4, 4, 4))
    x = ConvBlock(filters=8)(inputs)
    x = keras.layers.Reshape((16, 8))(x)
    x = keras.layers.RNN(GatedCell(units=8))(x)
    x = RunningMemory(units=8)(x)
    return keras.Model(inputs, MlpClassifier(num_classes=3, dropout_rate=0.0)(x))


STACKS = {
    "composite->transformer": (
        composite_transformer, [MlpBlock, TransformerBlock], (6, 8), None
    ),
    "embedding->transformer->pooling": (
        embedding_transformer_pooling,
        [TokenAndPositionEmbedding, TransformerBlock, AttentionPooling],
        (6,),
        "int32",
    ),
    "simple->orchestration": (
        simple_orchestration, [ScaledDense, DenseStack], (8,), None
    ),
    "conv->rnn_cell->stateful->model": (
        the_others,
        [ConvBlock, GatedCell, RunningMemory, MlpClassifier],
        (4, 4, 4),
        None,
    ),
}


def layout_map_of(classes):
    layout_map = None
    for cls in classes:
        layout_map = cls.get_layout_map(mesh, layout_map=layout_map)
    return layout_map


def trained(model, inputs, targets, weights):
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    history = model.fit(
        inputs, targets, batch_size=8, epochs=2, shuffle=False, verbose=0
    )
    assert np.isfinite(history.history["loss"]).all()
    return model.predict(inputs, batch_size=8, verbose=0)


def spec(variable):
    axes = list(variable.value.sharding.spec)
    axes += [None] * (len(variable.shape) - len(axes))
    return tuple(axes)


def generated_layers(model):
    found = []
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, GENERATED):
            found.append(layer)
    return found


report = {}
for name, (make, classes, shape, dtype) in STACKS.items():
    rng = np.random.default_rng(0)
    if dtype == "int32":
        inputs = rng.integers(1, 16, (16, *shape)).astype("int32")
    else:
        inputs = rng.standard_normal((16, *shape)).astype("float32")
    keras.utils.set_random_seed(0)
    plain = make()
    targets = rng.standard_normal(plain.output_shape[1:]).astype("float32")
    targets = np.broadcast_to(targets, (16, *plain.output_shape[1:])).copy()
    initial = plain.get_weights()
    expected = trained(plain, inputs, targets, initial)

    layout_map = layout_map_of(classes)
    distribution = keras.distribution.ModelParallel(
        layout_map=layout_map, batch_dim_name="batch"
    )
    with distribution.scope():
        sharded = make()
        outputs = trained(sharded, inputs, targets, initial)
        np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-4)
        for after, before in zip(sharded.weights, plain.weights, strict=True):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(after),
                keras.ops.convert_to_numpy(before),
                rtol=1e-4, atol=1e-4, err_msg=after.path,
            )
        for variable in sharded.weights:
            layout = layout_map[variable.path]
            if layout is not None:
                assert spec(variable) == tuple(layout.axes), (
                    variable.path, spec(variable), layout.axes
                )
        found = generated_layers(sharded)
        assert {type(layer) for layer in found} == set(classes), found
        split = {}
        for layer in found:
            paths = [
                v.path for v in layer.weights if "model" in spec(v)
            ]
            assert paths, f"{name}: no weight of {layer.path} is split on 'model'"
            split[layer.path] = paths
        path = f"{folder}/{name.replace('->', '_')}.keras"
        sharded.save(path)
        restored = keras.models.load_model(path)
        again = restored.predict(inputs, batch_size=8, verbose=0)
        np.testing.assert_allclose(again, outputs, rtol=1e-6, atol=1e-6)
        for variable in restored.weights:
            layout = layout_map[variable.path]
            if layout is not None:
                assert spec(variable) == tuple(layout.axes), variable.path
    report[name] = split

# Every class's rules in one map: no weight of any stack matches two of them,
# and a built-in layer's default name matches none.
every = layout_map_of(GENERATED)
for make, _, _, _ in STACKS.values():
    for variable in make().weights:
        every[variable.path]
builtin = keras.Sequential(
    [
        keras.Input((6, 8)),
        # `dense`, `dense_1`, ...: the names of generated sub-layers and
        # Keras's default names of `Dense` layers differ.
        *[keras.layers.Dense(8) for _ in range(4)],
        keras.layers.EinsumDense("abc,cd->abd", (6, 8)),
        keras.layers.Conv1D(8, 3, padding="same"),
        keras.layers.LayerNormalization(),
    ]
)
attention = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
attention(keras.ops.ones((1, 6, 8)), keras.ops.ones((1, 6, 8)))
embedding = keras.layers.Embedding(16, 8)
embedding.build((None, 6))
for variable in builtin.weights + attention.weights + embedding.weights:
    assert every[variable.path] is None, variable.path

# Two classes whose rules share a key chain when they agree, and are refused
# when they do not.
chained = AttentionPooling.get_layout_map(
    mesh, layout_map=MlpBlock.get_layout_map(mesh)
)
assert ".*/hidden_dense/kernel" in list(chained)
other = keras.distribution.DeviceMesh(
    shape=(2, 4), axis_names=("data", "model"), devices=devices
)
try:
    AttentionPooling.get_layout_map(
        other, data_parallel_dim_name="data",
        layout_map=MlpBlock.get_layout_map(mesh),
    )
except ValueError as error:
    assert "already holds '.*/hidden_dense/kernel'" in str(error), error
else:
    raise AssertionError("conflicting rules were accepted")
print(json.dumps(report))
"""


def run_script(examples, folder):
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=8",
        "JAX_PLATFORMS": "cpu",
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(examples), str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_stacks_train_sharded_on_eight_jax_devices_and_reload(tmp_path):
    pytest.importorskip("jax")
    completed = run_script(EXAMPLES, tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    # Each stack's generated layers, by path, with their weights split on "model".
    split = json.loads(completed.stdout.splitlines()[-1])
    assert len(split) == 4, split
    assert all(layers and all(layers.values()) for layers in split.values()), split


@settings(max_examples=300, deadline=None)
@given(class_name=st.from_regex(r"[A-Z][A-Za-z0-9]{0,30}", fullmatch=True))
def test_rules_name_a_class_as_keras_names_its_instances(class_name):
    # The rules of `simple`, `rnn_cell`, `stateful` and `orchestration` match the
    # class's default layer name, which the template derives from the class name.
    from keras.src.utils.naming import to_snake_case

    env = ComponentTemplate(default_templates_dir()).env
    template = env.from_string(
        '{% import "_shared/quantize_shard.jinja" as qs %}'
        "{{ qs.keras_default_name(name) }}"
    )
    assert template.render(name=class_name) == to_snake_case(class_name)
