"""Forked worker processes (keras_scaffold/workers.py): the same results, in the same
order, and the same error, as one process computing them one by one."""

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import snapshot

from keras_scaffold import workers

LINUX = sys.platform.startswith("linux")


def run_python(code: str, jobs: str, cwd: Path | None = None) -> str:
    """`code` run by a fresh interpreter (one thread: pytest's process has more),
    with KERAS_SCAFFOLD_JOBS=`jobs`; its standard output."""
    environment = {**os.environ, workers.ENVIRONMENT_VARIABLE: jobs}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


MAPPED = """
    import os
    from keras_scaffold import workers

    class Unpicklable(Exception):
        def __init__(self, a, b):  # pickle cannot make it again from its args
            super().__init__(f"{a} {b}")

    def work(item):
        if item in FAILING:
            raise ValueError(f"item {item}")
        if item == UNPICKLABLE:
            raise Unpicklable(item, "unpicklable")
        return item * item, os.getpid()

    for FAILING, UNPICKLABLE in [((), -1), ((13, 40), -1), ((40,), -1), ((), 30)]:
        try:
            results = workers.map_in_order(work, range(48))
        except Exception as error:
            print(type(error).__name__, error)
        else:
            print([square for square, _ in results])
            print(len({pid for _, pid in results}), "processes")
"""


@pytest.mark.skipif(not LINUX, reason="workers are forked on Linux only")
def test_workers_give_what_one_process_gives_in_order_with_the_first_error():
    one = run_python(MAPPED, jobs="1").splitlines()
    three = run_python(MAPPED, jobs="3").splitlines()
    squares = str([item * item for item in range(48)])
    assert one == [
        squares,
        "1 processes",
        "ValueError item 13",
        "ValueError item 40",
        "Unpicklable 30 unpicklable",
    ]
    # A worker's unpicklable error is made again by this process.
    assert three == [squares, "3 processes", *one[2:]]


def test_no_worker_is_forked_beside_another_thread(monkeypatch):
    monkeypatch.setenv(workers.ENVIRONMENT_VARIABLE, "4")
    if LINUX and threading.active_count() == 1:
        assert workers.process_count(100) == 4
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert workers.process_count(100) == 1
        assert workers.map_in_order(lambda item: (item, os.getpid()), range(40)) == [
            (item, os.getpid()) for item in range(40)
        ]
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize(
    ("jobs", "items", "count"),
    [("4", 100, 4), ("4", 16, 2), ("4", 15, 1), ("1", 100, 1), ("0", 7, 1)],
)
def test_each_worker_has_a_share_worth_a_fork(monkeypatch, jobs, items, count):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv(workers.ENVIRONMENT_VARIABLE, jobs)
    assert workers.process_count(items) == count


REGENERATE = """
    from keras_scaffold import workers
    from keras_scaffold.cli import main

    forks = []
    fork = workers._fork
    workers._fork = lambda *args: forks.append(args) or fork(*args)
    try:
        main(["--templates", "../templates", "regenerate"])
    except SystemExit as exit:
        print("exit", exit.code)
    print("workers forked:", len(forks))
"""


@pytest.mark.skipif(not LINUX, reason="workers are forked on Linux only")
def test_regenerate_with_workers_writes_and_says_what_one_process_does(
    tmp_path, templates_copy
):
    """20 components after a template change, regenerated with two processes and
    with one, from the same start: the same files, the same report."""
    from keras_scaffold import writer
    from keras_scaffold.component import make_answers
    from keras_scaffold.generate import plan_component
    from keras_scaffold.templates import Templates

    start = tmp_path / "start"
    start.mkdir()
    templates = Templates(templates_copy)
    for index in range(20):
        answers = make_answers(templates, "simple", f"Block{index:02d}", "pkg")
        writer.write(plan_component(templates, answers, start)[0])
    # One component's own edit, to merge.
    block = start / "block03.py"
    block.write_text(block.read_text() + "\n# mine\n")
    module = templates_copy / "simple" / "module.py.jinja"
    module.write_text(
        module.read_text().replace(
            "{% block call %}\n", "{% block call %}\n        # v2\n", 1
        )
    )
    reports, trees = {}, {}
    for jobs in ("1", "2"):
        project = tmp_path / f"jobs{jobs}" / "project"
        project.parent.mkdir()
        os.symlink(templates_copy, project.parent / "templates")
        subprocess.run(["cp", "-a", str(start), str(project)], check=True)
        reports[jobs] = run_python(REGENERATE, jobs=jobs, cwd=project)
        trees[jobs] = snapshot(project)
    assert reports["1"].endswith("workers forked: 0\n")
    assert reports["2"].endswith("workers forked: 1\n")
    assert reports["2"].splitlines()[:-1] == reports["1"].splitlines()[:-1]
    assert trees["2"] == trees["1"]
    assert b"# v2" in trees["1"]["block19.py"]
    assert trees["1"]["block03.py"].endswith(b"\n# mine\n")
    assert reports["1"].count("updated") == 19
    assert "merged  block03.py" in reports["1"]


@pytest.mark.skipif(not LINUX, reason="workers are forked on Linux only")
def test_workers_render_each_component_from_its_own_templates(tmp_path, templates_copy):
    """Issue 36, 2: 20 components from two template folders, each recorded in its
    answers, regenerated with two processes and with one: each from its own."""
    import shutil

    from keras_scaffold import writer
    from keras_scaffold.component import make_answers
    from keras_scaffold.generate import plan_component
    from keras_scaffold.templates import Templates

    second = tmp_path / "second"
    shutil.copytree(templates_copy, second)
    start = tmp_path / "start"
    start.mkdir()
    for index in range(20):
        templates = Templates(templates_copy if index % 2 else second)
        answers = make_answers(templates, "simple", f"Block{index:02d}", "pkg")
        writer.write(plan_component(templates, answers, start)[0])
    for folder, mark in ((templates_copy, "# odd"), (second, "# even")):
        module = folder / "simple" / "module.py.jinja"
        module.write_text(
            module.read_text().replace(
                "{% block call %}\n", f"{{% block call %}}\n        {mark}\n", 1
            )
        )
    trees = {}
    for jobs in ("1", "2"):
        project = tmp_path / f"jobs{jobs}" / "project"
        project.parent.mkdir()
        os.symlink(templates_copy, project.parent / "templates")
        os.symlink(second, project.parent / "second")
        subprocess.run(["cp", "-a", str(start), str(project)], check=True)
        report = run_python(
            REGENERATE.replace('"--templates", "../templates", ', ""),
            jobs=jobs,
            cwd=project,
        )
        assert report.endswith(f"workers forked: {int(jobs) - 1}\n"), report
        assert report.count("updated") == 20, report
        trees[jobs] = snapshot(project)
    assert trees["2"] == trees["1"]
    for index in range(20):
        text = trees["1"][f"block{index:02d}.py"]
        assert (b"# odd" in text) == bool(index % 2), index
        assert (b"# even" in text) == (not index % 2), index
