"""Every generated example, Keras's harness and the masking tests on every pattern,
on JAX and PyTorch too (this run is on TensorFlow unless KERAS_BACKEND says
otherwise)."""

import os
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_examples_and_the_keras_harness_pass_on(backend):
    pytest.importorskip(backend, reason=f"install keras-scaffold[{backend}]")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(EXAMPLES),
            str(REPO / "tests" / "test_keras_harness.py"),
            str(REPO / "tests" / "test_masking.py"),
        ],
        env={**os.environ, "KERAS_BACKEND": backend},
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert " passed" in completed.stdout.splitlines()[-1]
