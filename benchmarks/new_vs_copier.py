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

Each `new` generates a class of another name, so black formats its module and test
file anew every time, as for a user; what every component shares (the compiled
templates, the checks module) comes from keras-scaffold's cache, as after a user's
first `new`. That first run, with an empty cache, is timed apart and printed
first. Both tools run as installed packages do, with Python's bytecode cache (the
environment's PYTHONDONTWRITEBYTECODE is dropped for them).

    python benchmarks/new_vs_copier.py [--repeats 5]
"""

import argparse
import os
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


def timed(command: list[str], cwd: Path, environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=environment, check=True, capture_output=True)
    return time.perf_counter() - start


def new_command(name: str, target: Path) -> list[str]:
    command = [sys.executable, "-m", "keras_scaffold", "new", "composite", name]
    return command + ["--output", str(target), "--package", "bench"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    seconds: dict[str, list[float]] = {"keras-scaffold new": [], "copier copy": []}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        template = make_template(root)
        environment = {
            key: value
            for key, value in os.environ.items()
            if key != "PYTHONDONTWRITEBYTECODE"
        }
        environment["KERAS_SCAFFOLD_CACHE_DIR"] = str(root / "cache")
        first = timed(new_command("First", root / "first"), root, environment)
        for index in range(repeats):
            target = root / f"new_{index}"
            name = f"Bench{index}"
            seconds["keras-scaffold new"].append(
                timed(new_command(name, target), root, environment)
            )
            assert (target / f"bench{index}.py").is_file()
            assert (target / f"test_bench{index}.py").is_file()
            target = root / f"copier_{index}"
            copy = [sys.executable, "-m", "copier", "copy", "--defaults", "--quiet"]
            copy += [str(template), str(target)]
            seconds["copier copy"].append(timed(copy, root, environment))
            assert (target / "trivial.py").is_file()
            assert (target / "README.md").is_file()
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    reference = medians["copier copy"]
    print(f"keras-scaffold new with an empty cache: {first:.3f} s")
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
