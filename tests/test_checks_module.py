"""What keras_scaffold_checks.py sets on import, and its helpers (its checks run in
generated_examples/, on JAX and PyTorch through test_backends.py).

XLA aborts the process on a flag it does not know, so the flag for the older CPU
emitters may be set only for the jaxlib releases checked to have it.
"""

import importlib.metadata
import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import EXAMPLES

OPT_LEVEL = "--xla_backend_optimization_level=0"
EMITTERS = "--xla_cpu_use_fusion_emitters=false"


@pytest.fixture
def checks(monkeypatch):
    # A value already set is kept, so loading the module leaves the environment of
    # this process (and of the subprocesses other tests start) as it was.
    monkeypatch.setenv("XLA_FLAGS", "")
    spec = importlib.util.spec_from_file_location(
        "checks_under_test", EXAMPLES / "keras_scaffold_checks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flags_with(monkeypatch, checks, backend, jaxlib):
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)

    def version(name):
        assert name == "jaxlib"
        if jaxlib is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return jaxlib

    monkeypatch.setattr(importlib.metadata, "version", version)
    return checks.fast_compile_xla_flags()


@pytest.mark.parametrize("jaxlib", ["0.6.2", "0.8.0", "0.10.2", "0.10.3.dev20261101"])
def test_checked_jaxlib_releases_get_the_older_emitters(monkeypatch, checks, jaxlib):
    assert flags_with(monkeypatch, checks, "jax", jaxlib) == [OPT_LEVEL, EMITTERS]


@pytest.mark.parametrize("jaxlib", ["0.5.3", "0.11.0", "1.0.0", "nightly", None])
def test_other_jaxlib_releases_get_only_the_optimization_level(
    monkeypatch, checks, jaxlib
):
    assert flags_with(monkeypatch, checks, "jax", jaxlib) == [OPT_LEVEL]


@pytest.mark.parametrize("backend", ["tensorflow", "torch"])
def test_other_backends_get_only_the_optimization_level(monkeypatch, checks, backend):
    assert flags_with(monkeypatch, checks, backend, "0.10.2") == [OPT_LEVEL]


def test_a_value_the_user_set_is_kept(checks):
    assert os.environ["XLA_FLAGS"] == ""


# On NVIDIA GPUs since Ampere, JAX and TensorFlow compute float32 matrix products in
# TensorFloat-32 by default: on an H100, nine of the examples' JAX tests failed at
# float32 tolerances (padded against unpadded, eager against compiled, off by 1e-3).


@pytest.fixture
def jax_precision(monkeypatch):
    jax = pytest.importorskip("jax")
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    before = jax.config.jax_default_matmul_precision
    yield jax
    jax.config.update("jax_default_matmul_precision", before)


def test_jax_computes_float32_matrix_products_in_float32(
    monkeypatch, checks, jax_precision
):
    monkeypatch.delenv("JAX_DEFAULT_MATMUL_PRECISION", raising=False)
    checks.full_float32_matmuls()
    assert jax_precision.config.jax_default_matmul_precision == "highest"


def test_a_jax_precision_the_user_set_is_kept(monkeypatch, checks, jax_precision):
    monkeypatch.setenv("JAX_DEFAULT_MATMUL_PRECISION", "bfloat16")
    jax_precision.config.update("jax_default_matmul_precision", "bfloat16")
    checks.full_float32_matmuls()
    assert jax_precision.config.jax_default_matmul_precision == "bfloat16"


def test_tensorflow_computes_float32_matrix_products_in_float32(checks):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the checks module set TensorFlow's setting on import")
    import tensorflow as tf

    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_infer_each_computes_the_model_on_batches_of_each_length(checks):
    # One program on JAX for several shapes: the padding checks compare a model
    # on real steps with the same model on padded ones.
    steps = keras.Input(shape=(None, 2))
    model = keras.Model(steps, keras.ops.sum(steps, axis=1))
    short = np.ones((3, 2, 2), "float32")
    long = np.full((3, 5, 2), 2.0, "float32")
    short_sums, long_sums = checks.infer_each(model, [short, long])
    np.testing.assert_allclose(short_sums, np.full((3, 2), 2.0))
    np.testing.assert_allclose(long_sums, np.full((3, 2), 10.0))


def test_importing_it_leaves_keras_and_tensorflow_out_of_garbage_collection():
    # Python's full collections walked every object of Keras, its backend and
    # TensorFlow (0.1 to 0.2 s each); a frozen object is no longer in
    # gc.get_objects(). TensorFlow, which Keras imports on the first seeding
    # wherever it is installed, must be imported before the freeze: on JAX that
    # is the module's own seeding.
    if importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed")
    script = (
        "import gc, importlib.util, keras_scaffold_checks, keras\n"
        "functions = [keras.layers.Dense.__init__]\n"
        "if importlib.util.find_spec('tensorflow'):\n"
        "    import tensorflow as tf\n"
        "    functions.append(tf.nest.flatten)\n"
        "collected = {id(thing) for thing in gc.get_objects()}\n"
        "print(*(id(function) in collected for function in functions))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=EXAMPLES,
        env={**os.environ, "KERAS_BACKEND": "jax"},
        capture_output=True,
        text=True,
        check=True,
    )
    # One word per function: whether a full collection still walks it.
    assert set(result.stdout.split()) == {"False"}, result.stdout
