"""Benchmark: `keras-scaffold new composite` against `copier copy` of a tiny template.

Measures the wall time of two commands, each run as its own Python process and
each writing into a fresh empty folder: (1) `keras-scaffold new composite Bench`
(a real component: a layer module, its test file and the records under
`.keras-scaffold/`, rendered and black-formatted) and (2) `copier copy --defaults
--quiet` of a trivial Copier template made in a temporary folder (a `copier.yml`
with one question and two small `.jinja` files). The two are interleaved, repeated,
and the medians printed with their ratio: the ratio is how many `copier copy`
runs of a template that does nothing one `keras-scaffold new` costs. Both include
the start-up of a Python interpreter and the imports of each tool.

    python benchmarks/new_vs_copier.py [--repeats 5]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = {
    "copier.yml": (
        "name:\n"
        "  type: str\n"
        "  help: The project name\n"
        "  default: trivial\n"
        "_answers_file: .copier-answers.yml\n"
    ),
    "README.md.jinja": "# {{ name }}\n\nA trivial project.\n",
    "{{ name }}.py.jinja": '"""The {{ name }} module."""\n\nNAME = "{{ name }}"\n',
}


def make_template(folder: Path) -> Path:
    template = folder / "template"
    template.mkdir()
    for name, text in TEMPLATE.items():
        (template / name).write_text(text)
    return template


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    seconds: dict[str, list[float]] = {"keras-scaffold new": [], "copier copy": []}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        template = make_template(root)
        for index in range(repeats):
            target = root / f"new_{index}"
            target.mkdir()
            new = [sys.executable, "-m", "keras_scaffold", "new", "composite"]
            new += ["Bench", "--output", str(target), "--package", "bench"]
            seconds["keras-scaffold new"].append(timed(new, root))
            assert (target / "bench.py").is_file()
            assert (target / "test_bench.py").is_file()
            target = root / f"copier_{index}"
            copy = [sys.executable, "-m", "copier", "copy", "--defaults", "--quiet"]
            copy += [str(template), str(target)]
            seconds["copier copy"].append(timed(copy, root))
            assert (target / "trivial.py").is_file()
            assert (target / "README.md").is_file()
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    reference = medians["copier copy"]
    print(f"{repeats} interleaved repeats, each command a fresh Python process")
    print(f"{'command':<20} {'median s':>9} {'min s':>7} {'max s':>7} {'ratio':>7}")
    for name, values in seconds.items():
        ratio = medians[name] / reference
        print(
            f"{name:<20} {medians[name]:9.3f} {min(values):7.3f} "
            f"{max(values):7.3f} {ratio:6.2f}x"
        )


if __name__ == "__main__":
    main()
