"""The patterns' defaults export (issue 37): every activation a pattern defaults
to serves `predict`'s outputs from ONNX and LiteRT (TensorFlow's exact `gelu` does
not from ONNX), and the embedding exports from JAX as docs/export.md says."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import EXAMPLES

from keras_scaffold.patterns import load_patterns
from keras_scaffold.templates import default_templates_dir

on_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="ONNX from TensorFlow (tf2onnx) and LiteRT need the TensorFlow backend",
)


def default_activations():
    return sorted(
        {
            param["default"]
            for pattern in load_patterns(default_templates_dir()).values()
            for param in pattern.params
            if param["type"] == "activation" and param.get("default")
        }
    )


def dense_with(activation):
    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.layers.Dense(4, activation=activation)(inputs))
    x = np.random.default_rng(0).standard_normal((2, 6)).astype("float32")
    return model, x, model.predict(x, verbose=0)  # ONNX export needs a called model


def test_the_defaults_are_read():
    assert "relu" in default_activations()


@on_tensorflow
@pytest.mark.parametrize("activation", default_activations())
def test_a_default_activation_serves_from_onnx(activation, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    model, x, expected = dense_with(activation)
    path = str(tmp_path / "model.onnx")
    model.export(path, format="onnx", verbose=False)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (served,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(served, expected, atol=1e-4)


@on_tensorflow
@pytest.mark.parametrize("activation", default_activations())
def test_a_default_activation_serves_from_litert(activation, tmp_path):
    interpreter = pytest.importorskip("ai_edge_litert.interpreter")
    model, x, expected = dense_with(activation)
    path = str(tmp_path / "model.tflite")
    model.export(path, format="litert", verbose=False)
    runner = interpreter.Interpreter(model_path=path).get_signature_runner()
    (name,) = runner.get_input_details()
    (served,) = runner(**{name: x}).values()
    np.testing.assert_allclose(served, expected, atol=1e-4)


# jax2tf cannot prove a symbolic length at most `sequence_length`, which slicing
# the position table needs (as keras-hub's PositionEmbedding): the length is fixed.
JAX_SAVED_MODEL = """
import sys
import keras, numpy as np, tensorflow as tf
from token_and_position_embedding import TokenAndPositionEmbedding

inputs = keras.Input((None,), dtype="int32")
layer = TokenAndPositionEmbedding(20, sequence_length=8, embedding_dim=6)
model = keras.Model(inputs, layer(inputs))
tokens = np.arange(1, 11, dtype="int32").reshape(2, 5)
expected = model.predict(tokens, verbose=0)
spec = keras.InputSpec(shape=(None, 5), dtype="int32")
model.export(sys.argv[1], format="tf_saved_model", input_signature=[spec])
artifact = tf.saved_model.load(sys.argv[1])
served = artifact.serve(tf.constant(tokens)).numpy()
np.testing.assert_allclose(served, expected, atol=1e-4)
"""


def test_the_embedding_exports_to_a_saved_model_from_jax(tmp_path):
    pytest.importorskip("jax")
    pytest.importorskip("tensorflow")
    completed = subprocess.run(
        [sys.executable, "-c", JAX_SAVED_MODEL, str(tmp_path / "saved_model")],
        env={**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(EXAMPLES)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
