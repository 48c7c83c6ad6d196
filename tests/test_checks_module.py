"""What keras_scaffold_checks.py sets before the first check (nothing on import),
and its helpers (its checks run in
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
from conftest import EXAMPLES, run_pytest

OPT_LEVEL = "--xla_backend_optimization_level=0"
EMITTERS = "--xla_cpu_use_fusion_emitters=false"


@pytest.fixture
def checks(monkeypatch):
    # A value already set is kept, so a test that sets the flags leaves the
    # environment of this process (and of the subprocesses other tests start) as
    # it was.
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
    checks.set_fast_compile_xla_flags()
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


def test_tensorflow_computes_float32_matrix_products_in_float32(monkeypatch, checks):
    tf = pytest.importorskip("tensorflow")
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    before = tf.config.experimental.tensor_float_32_execution_enabled()
    try:
        checks.full_float32_matmuls()
        assert not tf.config.experimental.tensor_float_32_execution_enabled()
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(before)


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


# What the checks need of the backend is set by a fixture of `LayerChecks`, before
# a test class's first test; importing the module (as a user's script, a notebook
# or another test suite may) changes nothing.
STATE = """
import gc, os, random
import numpy as np
import keras

def state():
    backend = keras.backend.backend()
    precision = None
    if backend == "jax":
        import jax
        precision = jax.config.jax_default_matmul_precision
    tf32 = None
    if backend == "tensorflow":
        import tensorflow as tf
        tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
    return (
        os.environ.get("XLA_FLAGS"), gc.get_freeze_count(), precision, tf32,
        random.getstate()[1][:4], np.random.get_state()[1][:4].tolist(),
    )
"""


def backends_installed():
    return [
        backend
        for backend in ("tensorflow", "jax")
        if importlib.util.find_spec(backend) is not None
    ]


@pytest.mark.parametrize("backend", backends_installed())
def test_importing_it_changes_no_global_state(backend):
    script = (
        STATE
        + "before = state()\n"
        + "import keras_scaffold_checks\n"
        + "print(before == state(), before, state())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=EXAMPLES,
        env={**env, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("True"), result.stdout


PROBE = """
import gc
import os

import keras
from keras_scaffold_checks import OPT_LEVEL_FLAG, LayerChecks


class TestProbe(LayerChecks):
    layer_class = keras.layers.Dense

    def test_probe(self):
        assert OPT_LEVEL_FLAG in os.environ["XLA_FLAGS"]
        # Python's full collections walked every object of Keras, its backend
        # and TensorFlow (0.1 to 0.2 s each); frozen, they are left out.
        functions = [keras.layers.Dense.__init__]
        if keras.backend.backend() != "tensorflow":
            import importlib.util

            if importlib.util.find_spec("tensorflow"):
                import tensorflow as tf

                functions.append(tf.nest.flatten)
        collected = {id(thing) for thing in gc.get_objects()}
        assert not any(id(function) in collected for function in functions)
"""


def test_a_fixture_sets_the_backend_up_before_the_first_check(tmp_path):
    # TensorFlow, which Keras imports on the first seeding wherever it is
    # installed, must be imported before the freeze: on JAX that is the fixture's
    # own seeding.
    if importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed")
    (tmp_path / "keras_scaffold_checks.py").write_bytes(
        (EXAMPLES / "keras_scaffold_checks.py").read_bytes()
    )
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    result = run_pytest(
        "test_probe.py::TestProbe::test_probe",
        cwd=tmp_path,
        backend="jax",
        env={**env, "JAX_PLATFORMS": "cpu"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_a_loose_folder_runs_its_tests_without_the_backends_deprecation_noise(
    run_cli, tmp_path
):
    """Issue 36, 5: three test files `new` wrote into a folder with no pytest
    configuration printed the backends' DeprecationWarnings (132 on TensorFlow):
    the shared checks carry the filter their tests need."""
    for pattern, name in (("simple", "Alpha"), ("composite", "Beta")):
        assert run_cli("new", pattern, name, cwd=tmp_path).code == 0
    ran = run_pytest(cwd=tmp_path, backend="tensorflow")
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert "DeprecationWarning" not in ran.stdout
    assert "warnings summary" not in ran.stdout
