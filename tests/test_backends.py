"""Every generated example, Keras's harness and the masking tests on every pattern,
on JAX and PyTorch too (this run is on TensorFlow unless KERAS_BACKEND says
otherwise)."""

import pytest
from conftest import EXAMPLES, REPO, run_pytest

# What to install for a backend that is missing. PyTorch's CPU build comes first:
# the `torch` extra alone pulls a multi-GB CUDA build.
TORCH_CPU = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
INSTALL_HINTS = {
    "jax": 'install the jax extra: pip install -e ".[jax]"',
    "torch": f"install PyTorch's CPU build first ({TORCH_CPU}), then the torch "
    'extra: pip install -e ".[torch]"',
}


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_examples_and_the_keras_harness_pass_on(backend):
    pytest.importorskip(backend, reason=INSTALL_HINTS[backend])
    completed = run_pytest(
        # In this process: the suite's other worker keeps the second CPU busy.
        "-n",
        "0",
        str(EXAMPLES),
        str(REPO / "tests" / "test_keras_harness.py"),
        str(REPO / "tests" / "test_masking.py"),
        cwd=REPO,
        backend=backend,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert " passed" in completed.stdout.splitlines()[-1]
