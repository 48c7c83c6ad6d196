"""Benchmark: seconds per generated test file after imports, on every backend.

For each backend (`--backend`, repeatable; default: tensorflow, jax and torch),
two measurements of `generated_examples/`:

- alone: each `test_*.py` in its own fresh Python process, with cold caches (an
  empty `TORCHINDUCTOR_CACHE_DIR`; JAX and TensorFlow keep no compilation cache
  between processes by default);
- together: the whole folder in one process (`-n 0`: no pytest-xdist workers); the
  per-file figure is the time after imports divided by the number of files.

"After imports" is timed inside the pytest process by a small plugin (`CLOCK`):
when the session starts it imports Keras and NumPy and lets Keras do its one-time
lazy import (Keras imports TensorFlow on the first `get_config()` whenever
TensorFlow is installed, about 2 s on JAX and PyTorch); the clock starts when
collection starts, so it holds importing the test file and its layer, every test and
its fixtures, and stops when the session finishes. The target is 2 s per file.

It is timed inside the process because the machine this was written on keeps little
of its page cache: a process's start reads the backends' libraries from disk again
at a different speed each time, and subtracting the wall time of a trivial baseline
file from the wall time of a test file left up to 2 s of disk reads in a file's
figure. The wall time of each run is printed beside it.

On JAX it also counts the XLA programs each run compiles (JAX logs each compile
when JAX_LOG_COMPILES is set): a count does not vary from run to run as the
seconds do on a shared machine, and each program costs tens of milliseconds here.

With `--baseline REV`, it measures instead the whole folder in one process (the
suite), `generated_examples/` beside the same folder as the git revision REV holds
it (`git archive`), the two runs alternating, and prints both and their ratio: an
earlier release's test files against today's, side by side.

    python benchmarks/test_files.py [--backend jax] [--repeats 1] [--baseline REV]
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
CLOCK = '''"""Times a pytest session after imports (for benchmarks/test_files.py)."""

import os
import time

started = None


def pytest_sessionstart(session):
    import keras
    import numpy  # noqa: F401

    keras.layers.Dense(1).get_config()  # Keras's one-time lazy imports


def pytest_collection(session):
    global started
    started = time.perf_counter()


def pytest_sessionfinish(session):
    with open(os.environ["BENCHMARK_CLOCK_FILE"], "w") as file:
        file.write(str(time.perf_counter() - started))
'''
# `-n 0`: in the process started here, not in pytest-xdist's workers.
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
# The plugin that times the session (`CLOCK`, written to a folder on PYTHONPATH).
CLOCK_PLUGIN = ["-p", "benchmark_clock"]
TARGET = 2.0
# pytest shows the compile log lines live, where they are counted.
LOG_LINES = ["-o", "log_cli=true", "-o", "log_cli_level=WARNING"]
COMPILED = "Finished XLA compilation"


def run(path: Path, backend: str) -> tuple[float, float, str, int]:
    """One pytest process on `path` with cold caches: seconds after imports, wall
    seconds, pytest's outcome and the number of XLA programs compiled (JAX)."""
    command = [*PYTEST, *CLOCK_PLUGIN, str(path.relative_to(REPO))]
    # Removed afterwards: it holds PyTorch's compile cache, which must start cold.
    with tempfile.TemporaryDirectory(prefix="benchmark-") as name:
        folder = Path(name)
        (folder / "benchmark_clock.py").write_text(CLOCK)
        env = {
            **os.environ,
            "KERAS_BACKEND": backend,
            "TORCHINDUCTOR_CACHE_DIR": str(folder / "inductor"),
            "BENCHMARK_CLOCK_FILE": str(folder / "seconds"),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(folder), os.environ.get("PYTHONPATH")])
            ),
        }
        if backend == "jax":
            env["JAX_LOG_COMPILES"] = "1"
            command += LOG_LINES
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        clock = folder / "seconds"
        seconds = float(clock.read_text()) if clock.exists() else float("nan")
    counts = re.findall(r"(\d+) (passed|failed|errors?|skipped)", done.stdout)
    summary = ", ".join(f"{n} {word}" for n, word in counts) or "no summary"
    outcome = summary if done.returncode == 0 else f"EXIT {done.returncode}"
    programs = (done.stdout + done.stderr).count(COMPILED)
    return seconds, wall, outcome, programs


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median seconds after imports and the median wall seconds of `runs`."""
    afters, walls = zip(*runs, strict=True)
    return statistics.median(afters), statistics.median(walls)


def measure(backend: str, repeats: int) -> None:
    files = sorted(EXAMPLES.glob("test_*.py"))
    runs: dict[str, list[tuple[float, float]]] = {}
    outcomes: dict[str, str] = {}
    programs: dict[str, int] = {}
    for _ in range(repeats):
        for path in [*files, EXAMPLES]:
            name = path.name if path in files else "together"
            seconds, wall, outcomes[name], programs[name] = run(path, backend)
            runs.setdefault(name, []).append((seconds, wall))
    print(
        f"\nbackend {backend}: median of {repeats} run(s); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    counted = backend == "jax"
    header = f"{'file, alone':<36} {'tests':<22} {'wall s':>7} {'after imports s':>16}"
    print(header + (f" {'XLA programs':>13}" if counted else ""))
    for name in [path.name for path in files]:
        seconds, wall = medians(runs[name])
        count = f" {programs[name]:13d}" if counted else ""
        print(f"{name:<36} {outcomes[name]:<22} {wall:7.2f} {seconds:16.2f}{count}")
    seconds, wall = medians(runs["together"])
    per_file = seconds / len(files)
    count = f", {programs['together']} XLA programs" if counted else ""
    print(
        f"{'all files, one process':<36} {outcomes['together']:<22} {wall:7.2f} "
        f"{seconds:16.2f}  ({per_file:.2f} s per file, "
        f"{per_file / TARGET:.2f}x the {TARGET:.0f} s target{count})"
    )


def measure_against(backend: str, repeats: int, baseline: str) -> None:
    """The suite of today's examples beside the suite of `baseline`'s."""
    # Inside the repository, so that both run under its pytest settings.
    with tempfile.TemporaryDirectory(prefix=".baseline-", dir=REPO) as name:
        archive = subprocess.run(
            ["git", "archive", baseline, "generated_examples"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", name], input=archive.stdout, check=True)
        folders = {"today": EXAMPLES, baseline: Path(name) / "generated_examples"}
        runs: dict[str, list[tuple[float, float]]] = {}
        outcomes: dict[str, str] = {}
        programs: dict[str, int] = {}
        for _ in range(repeats):
            for label, folder in folders.items():
                seconds, wall, outcomes[label], programs[label] = run(folder, backend)
                runs.setdefault(label, []).append((seconds, wall))
    print(
        f"\nbackend {backend}: all files in one process, median of {repeats} "
        f"run(s), alternating; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'examples':<12} {'tests':<34} {'wall s':>7} {'after imports s':>16}")
    for label in folders:
        seconds, wall = medians(runs[label])
        count = f", {programs[label]} XLA programs" if backend == "jax" else ""
        print(f"{label:<12} {outcomes[label]:<34} {wall:7.2f} {seconds:16.2f}{count}")
    ratio = medians(runs["today"])[0] / medians(runs[baseline])[0]
    print(f"today / {baseline}: {ratio:.2f}x after imports")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--baseline", help="a git revision to measure beside")
    args = parser.parse_args()
    for backend in args.backend or ["tensorflow", "jax", "torch"]:
        if args.baseline:
            measure_against(backend, args.repeats, args.baseline)
        else:
            measure(backend, args.repeats)


if __name__ == "__main__":
    main()
