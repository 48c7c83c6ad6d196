"""Data parallelism: the `model` and `composite` examples train under
`keras.distribution.DataParallel` on JAX with two host CPU devices, and reload."""

import os
import subprocess
import sys

import pytest
from conftest import EXAMPLES

SCRIPT = r"""
import sys

import keras
import numpy as np

sys.path.insert(0, sys.argv[1])
from mlp_block import MlpBlock
from mlp_classifier import MlpClassifier

devices = keras.distribution.list_devices("cpu")
assert len(devices) == 2, devices
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))

rng = np.random.default_rng(0)
inputs = rng.standard_normal((32, 6)).astype("float32")
labels = rng.integers(0, 3, size=(32,))


def check(model, path, loss):
    model.compile(optimizer="adam", loss=loss)
    before = [weight.numpy().copy() for weight in model.trainable_weights]
    history = model.fit(inputs, labels, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    for weight, old in zip(model.trainable_weights, before):
        # Replicated on both devices, and trained.
        assert len(weight.value.sharding.device_set) == 2, weight.path
        assert not np.array_equal(weight.numpy(), old), weight.path
    expected = model.predict(inputs, batch_size=8, verbose=0)
    model.save(path)
    restored = keras.models.load_model(path)
    restored_outputs = restored.predict(inputs, batch_size=8, verbose=0)
    np.testing.assert_allclose(restored_outputs, expected, rtol=1e-5, atol=1e-5)


check(MlpClassifier(num_classes=3), sys.argv[2] + "/model.keras",
      "sparse_categorical_crossentropy")
block_inputs = keras.Input(shape=(6,))
block = keras.Model(block_inputs, MlpBlock(hidden_dim=8, output_dim=3)(block_inputs))
check(block, sys.argv[2] + "/composite.keras", "sparse_categorical_crossentropy")
print("data parallel: trained and reloaded")
"""


def test_model_and_composite_train_data_parallel_on_two_jax_devices(tmp_path):
    pytest.importorskip("jax")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
        "JAX_PLATFORMS": "cpu",
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(EXAMPLES), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "data parallel: trained and reloaded" in completed.stdout
