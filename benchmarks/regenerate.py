"""Benchmark: `keras-scaffold regenerate` on 100 components.

Prints the wall time of (1) `regenerate --check` with nothing changed and (2) a full
`regenerate` after a template change (every module changes), each per component and
as a ratio of its target: 1 s for 100 components, each.

keras-scaffold runs as an installed package does, with Python's bytecode cache (the
environment's PYTHONDONTWRITEBYTECODE is dropped) and its own cache in a temporary
folder, filled by generating the components as `new` would. The disk is synced
before each timed command, so that it does not pay for writing back what the
set-up wrote (a project is on disk some time after `new`). `regenerate` shares the
work with forked workers on the CPUs no other process is running on
(keras-scaffold's default); `--jobs N` sets the number of processes
(KERAS_SCAFFOLD_JOBS), `--jobs 1` keeps it to one.

    python benchmarks/regenerate.py [--components 100] [--jobs N]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keras_scaffold import writer
from keras_scaffold.component import make_answers
from keras_scaffold.generate import plan_component
from keras_scaffold.templates import Templates, default_templates_dir

TARGETS = {"check, nothing changed": 1.0, "full regenerate after a change": 1.0}


def generate(project: Path, root: Path, count: int) -> None:
    """What `keras-scaffold new simple ComponentNNN` writes, for each NNN."""
    templates = Templates(root)
    for index in range(count):
        answers = make_answers(templates, "simple", f"Component{index:03d}", "bench")
        writer.write(plan_component(templates, answers, project)[0])


def timed_regenerate(project: Path, templates: Path, *args: str) -> float:
    command = [sys.executable, "-m", "keras_scaffold", "--templates", str(templates)]
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "PYTHONDONTWRITEBYTECODE"
    }
    os.sync()  # what the set-up wrote is on disk (see the docstring)
    start = time.perf_counter()
    subprocess.run(
        [*command, "regenerate", *args],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--jobs", type=int, help="processes (default: idle CPUs)")
    arguments = parser.parse_args()
    count = arguments.components
    if arguments.jobs is not None:
        os.environ["KERAS_SCAFFOLD_JOBS"] = str(arguments.jobs)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["KERAS_SCAFFOLD_CACHE_DIR"] = str(Path(folder) / "cache")
        templates = Path(folder) / "templates"
        shutil.copytree(default_templates_dir(), templates)
        project = Path(folder) / "project"
        project.mkdir()
        generate(project, templates, count)
        seconds = {
            "check, nothing changed": timed_regenerate(project, templates, "--check")
        }
        module = templates / "simple" / "module.py.jinja"
        line = "        outputs = ops.matmul(inputs, self.kernel)\n"
        changed = "        # Changed template line.\n" + line
        module.write_text(module.read_text().replace(line, changed))
        seconds["full regenerate after a change"] = timed_regenerate(project, templates)
        assert "# Changed template line." in (project / "component000.py").read_text()
    scale = count / 100
    print(f"{'measurement':<32} {'seconds':>8} {'per component':>14} {'vs target':>10}")
    for name, value in seconds.items():
        ratio = value / (TARGETS[name] * scale)
        print(f"{name:<32} {value:8.2f} {value / count * 1000:11.1f} ms {ratio:9.2f}x")


if __name__ == "__main__":
    main()
