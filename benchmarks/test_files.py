"""Benchmark: seconds per generated test file after imports, on every backend.

For each backend (`--backend`, repeatable; default: tensorflow, jax and torch),
two measurements of `generated_examples/`:

- alone: each `test_*.py` in its own fresh Python process, with cold caches (an
  empty `TORCHINDUCTOR_CACHE_DIR`; JAX and TensorFlow keep no compilation cache
  between processes by default);
- together: the whole folder in one process (`-n 0`: no pytest-xdist workers); the
  per-file figure is the wall time after imports divided by the number of files.

"After imports" subtracts the fastest of the baseline runs: pytest running one trivial
test file (`BASELINE`) that imports what every test file imports and lets Keras do
its own one-time lazy import (Keras imports TensorFlow on the first `get_config()`
whenever TensorFlow is installed, about 2 s on JAX and PyTorch). So the baseline
holds the interpreter, pytest's start (its plugins, assertion rewriting), the
imports and pytest's exit; the rest is the file's own work. It runs twice before
each round and once after the last; the fastest run is taken, so that a run slowed
by a cold disk cache does not flatter the files. The target is 2 s per file after
imports.

    python benchmarks/test_files.py [--backend jax] [--repeats 1]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "generated_examples"
BASELINE = """import keras
import numpy
import pytest


def test_imports():
    keras.layers.Dense(1).get_config()
"""
# `-n 0`: in the process started here, not in pytest-xdist's workers.
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
TARGET = 2.0


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    counts = re.findall(r"(\d+) (passed|failed|errors?|skipped)", done.stdout)
    summary = ", ".join(f"{n} {word}" for n, word in counts) or "no summary"
    return seconds, summary if done.returncode == 0 else f"EXIT {done.returncode}"


def cold_env(backend: str) -> dict[str, str]:
    cache = tempfile.mkdtemp(prefix="inductor-")
    return {**os.environ, "KERAS_BACKEND": backend, "TORCHINDUCTOR_CACHE_DIR": cache}


def baseline_file() -> str:
    folder = Path(tempfile.mkdtemp(prefix="baseline-"))
    (folder / "test_baseline.py").write_text(BASELINE)
    return str(folder / "test_baseline.py")


def measure(backend: str, repeats: int) -> None:
    files = sorted(EXAMPLES.glob("test_*.py"))
    baseline_test = baseline_file()
    baseline_command = [*PYTEST, "-c", "pyproject.toml", baseline_test]
    baseline: list[float] = []
    alone: dict[str, list[float]] = {path.name: [] for path in files}
    together: list[float] = []
    outcomes: dict[str, str] = {}
    for _ in range(repeats):
        for _ in range(2):
            baseline.append(timed(baseline_command, cold_env(backend))[0])
        for path in files:
            seconds, outcomes[path.name] = timed(
                [*PYTEST, str(path.relative_to(REPO))], cold_env(backend)
            )
            alone[path.name].append(seconds)
        seconds, outcomes["together"] = timed(
            [*PYTEST, str(EXAMPLES.relative_to(REPO))], cold_env(backend)
        )
        together.append(seconds)
    baseline.append(timed(baseline_command, cold_env(backend))[0])
    base = min(baseline)
    print(
        f"\nbackend {backend}: baseline {base:.2f} s (fastest of {len(baseline)}); "
        f"median of {repeats} run(s); load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'file, alone':<28} {'tests':<22} {'wall s':>7} {'after imports s':>16}")
    for name, values in alone.items():
        wall = statistics.median(values)
        print(f"{name:<28} {outcomes[name]:<22} {wall:7.2f} {wall - base:16.2f}")
    wall = statistics.median(together)
    per_file = (wall - base) / len(files)
    print(
        f"{'all files, one process':<28} {outcomes['together']:<22} {wall:7.2f} "
        f"{wall - base:16.2f}  ({per_file:.2f} s per file, "
        f"{per_file / TARGET:.2f}x the {TARGET:.0f} s target)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    for backend in args.backend or ["tensorflow", "jax", "torch"]:
        measure(backend, args.repeats)


if __name__ == "__main__":
    main()
