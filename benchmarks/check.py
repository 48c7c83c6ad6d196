"""Benchmark: `keras-scaffold check` (static) on 100 files.

Copies the generated examples and the guide's samples (with and without their
defects) round-robin into 100 files, then prints the median wall time of (1) the
check in-process and (2) the whole command in a fresh process (interpreter start
and imports included), each with its ratio to the 1 s target.

    python benchmarks/check.py [--files 100] [--repeats 5]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keras_scaffold.check import check_paths

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted((REPO / "generated_examples").glob("*.py")) + sorted(
    (REPO / "tests" / "check_fixtures").glob("guide_*.py")
)
TARGET = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "layers"
        target.mkdir()
        for index in range(options.files):
            source = SOURCES[index % len(SOURCES)]
            shutil.copy(source, target / f"m{index:03d}_{source.name}")
        lines = sum(len(p.read_text().splitlines()) for p in target.iterdir())
        in_process, command = [], []
        for _ in range(options.repeats):
            start = time.perf_counter()
            report = check_paths([target])
            in_process.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "keras_scaffold", "check", str(target)],
                capture_output=True,
                check=False,
            )
            command.append(time.perf_counter() - start)
    print(
        f"{options.files} files, {lines} lines, {len(report.findings)} findings; "
        f"median of {options.repeats}"
    )
    for label, seconds in (
        ("check in-process", statistics.median(in_process)),
        ("`keras-scaffold check` command", statistics.median(command)),
    ):
        print(
            f"{label:32} {seconds:6.3f} s  {1000 * seconds / options.files:5.2f} ms "
            f"per file  {seconds / TARGET:.2f}x the {TARGET:.0f} s target"
        )


if __name__ == "__main__":
    main()
