"""Benchmark: run time of each generated test file, against an import-only baseline.

Runs `python -m pytest -q -p no:cacheprovider FILE` for every `test_*.py` in
`generated_examples/`, each in a fresh Python process from the repository root
(so the project's pytest settings apply) with `KERAS_BACKEND` set from
`--backend`, and measures its wall time. The baseline is a process that only
imports what every test file imports, `python -c "import keras, numpy, pytest"`,
under the same backend; it runs before each round and once after the last. The
table shows, per file, its tests, its median wall time, the time after imports
(wall minus the median baseline: collecting and running the tests) and wall time
as a ratio of the baseline; the last row sums the files, against one baseline
per file.

    python benchmarks/test_files.py [--backend tensorflow] [--repeats 1]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "generated_examples"
BASELINE = "import keras, numpy, pytest"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="tensorflow")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ, "KERAS_BACKEND": args.backend}
    files = sorted(EXAMPLES.glob("test_*.py"))
    baseline: list[float] = []
    walls: dict[str, list[float]] = {path.name: [] for path in files}
    outcomes: dict[str, str] = {}
    load = os.getloadavg()[0]

    def run_baseline() -> None:
        seconds, code, _ = timed([sys.executable, "-c", BASELINE], env)
        if code != 0:
            sys.exit(f"the baseline `{BASELINE}` failed under {args.backend}")
        baseline.append(seconds)

    for _ in range(args.repeats):
        run_baseline()
        for path in files:
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            seconds, code, out = timed([*command, str(path.relative_to(REPO))], env)
            walls[path.name].append(seconds)
            counts = re.findall(r"(\d+) (passed|failed|error|errors|skipped)", out)
            summary = ", ".join(f"{n} {word}" for n, word in counts) or "no summary"
            outcomes[path.name] = summary if code == 0 else f"EXIT {code}: {summary}"
    run_baseline()

    base = statistics.median(baseline)
    print(
        f"backend {args.backend}; median of {args.repeats} run(s) per file; "
        f"baseline `{BASELINE}` median of {len(baseline)}: {base:.2f} s "
        f"(min {min(baseline):.2f}, max {max(baseline):.2f}); 1-minute load "
        f"average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        f"{'file':<26} {'tests':<16} {'wall s':>7} {'after imports s':>16} "
        f"{'wall/baseline':>14}"
    )
    for name, values in walls.items():
        wall = statistics.median(values)
        print(
            f"{name:<26} {outcomes[name]:<16} {wall:7.2f} {wall - base:16.2f} "
            f"{wall / base:13.2f}x"
        )
    total = sum(statistics.median(values) for values in walls.values())
    baselines = base * len(walls)
    print(
        f"{f'all {len(walls)} files':<26} {'':<16} {total:7.2f} "
        f"{total - baselines:16.2f} {total / baselines:13.2f}x"
    )


if __name__ == "__main__":
    main()
