"""The cache's entries are checked before use, written durably, and never make a
command write anything but what it writes with the cache off (issue 33, items 3
and 4): an emptied, truncated, bit-flipped, swapped or foreign entry, or something
that is no entry at all, is computed again; a template edited while a command
renders is never recorded as rendered; a killed or concurrent `regenerate` with the
cache on leaves the tree a clean run leaves.

A few dozen examples of each property run in every test run;
KERAS_SCAFFOLD_FUZZ_EXAMPLES=2000 runs that many, with a random seed.
"""

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jinja2
import pytest
from conftest import REPO, run_main, snapshot
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keras_scaffold import cache, formatting, records, regenerate
from keras_scaffold.component import make_answers, render
from keras_scaffold.formatting import format_python
from keras_scaffold.templates import Templates

OPT_IN = "KERAS_SCAFFOLD_FUZZ_EXAMPLES"
FUZZ = settings(
    max_examples=int(os.environ.get(OPT_IN, "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=OPT_IN not in os.environ,
)
VARIABLE = cache.ENVIRONMENT_VARIABLE
LINUX = sys.platform.startswith("linux")

# What can stand where an entry was: the first five are what a power loss, a
# failing disk or another program leaves; the others are no entry at all.
CORRUPTIONS = [
    "empty",
    "truncated",
    "bit-flip",
    "swapped",  # another entry's bytes, under this entry's name
    "foreign",  # a file that is not keras-scaffold's
    "directory",
    "link",  # a symbolic link to another entry
    "fifo",  # would block a reader that opens it without O_NONBLOCK
]
# Black's output for a whole text (one with a `fmt:` directive is never cut).
WHOLE = "x = {  'a':1 }\ny = [1,\n  2]  # fmt: skip\n"
ENTRY_KINDS = ["rendered", "black", "black-pieces", "jinja"]
# The same package wherever it runs (else the folder's name gives it).
NEW = ("new", "simple", "Projection", "--package", "pkg")


def module(templates_dir: Path) -> Path:
    return templates_dir / "simple" / "module.py.jinja"


def change_template(templates_dir: Path, line: str = "# v2") -> None:
    path = module(templates_dir)
    text = path.read_text()
    assert "{% block call %}\n" in text
    path.write_text(
        text.replace("{% block call %}\n", f"{{% block call %}}\n        {line}\n", 1)
    )


def scaffold_environment(cache_dir: Path | str, jobs: str = "1", **more) -> dict:
    """This process's environment with this checkout's code, `cache_dir` as the
    cache and `jobs` workers."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        VARIABLE: str(cache_dir),
        "KERAS_SCAFFOLD_JOBS": jobs,
        **more,
    }


def keras_scaffold(*args: str, cwd: Path, cache_dir: Path | str, **more):
    """`python -m keras_scaffold ARGS` in a process of its own (no memory of
    another run's formatting), with this checkout's code and `cache_dir`."""
    return subprocess.run(
        [sys.executable, "-m", "keras_scaffold", *args],
        cwd=cwd,
        env=scaffold_environment(cache_dir, **more),
        capture_output=True,
        text=True,
        timeout=300,
    )


def entries(folder: Path) -> list[Path]:
    """A cache folder's entries (temporary files aside)."""
    return sorted(
        path
        for path in folder.iterdir()
        if not path.name.startswith(".tmp-") and path.is_file()
    )


# --- Item 3: emptied entries ----------------------------------------------------


def payload(data: bytes) -> bytes:
    """An entry's stored text, past the header this fix puts before it."""
    if data.startswith(b"keras-scaffold cache"):
        return data.partition(b"\n")[2]
    return data


def test_emptied_formatting_entries_are_formatted_again(tmp_path):
    """The issue's case: one `new` fills the cache; the formatting entries that
    hold code are truncated to 0 bytes (a rename without fsync, then a power
    loss) and `rendered/` removed; `new` again writes what a run with the cache
    off writes."""
    cache_dir = tmp_path / "cache"
    for name in ("first", "second", "off"):
        (tmp_path / name).mkdir()
    done = keras_scaffold(
        *NEW,
        cwd=tmp_path / "first",
        cache_dir=cache_dir,
    )
    assert done.returncode == 0, done.stderr
    emptied = 0
    for entry in entries(cache_dir / "black-pieces"):
        if b"\n" in payload(entry.read_bytes()):  # code, not a list of features
            entry.write_bytes(b"")
            emptied += 1
    assert emptied > 10
    shutil.rmtree(cache_dir / "rendered")
    done = keras_scaffold(
        *NEW,
        cwd=tmp_path / "second",
        cache_dir=cache_dir,
    )
    assert done.returncode == 0, done.stderr
    done = keras_scaffold(
        *NEW,
        cwd=tmp_path / "off",
        cache_dir="",
    )
    assert done.returncode == 0, done.stderr
    assert snapshot(tmp_path / "second") == snapshot(tmp_path / "off")
    assert snapshot(tmp_path / "first") == snapshot(tmp_path / "off")


def test_an_empty_file_is_no_entry(monkeypatch, tmp_path):
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    cache.write("unchanged", "k" * 64, "")
    assert cache.read("unchanged", "k" * 64) == ""
    (tmp_path / "unchanged" / ("k" * 64)).write_bytes(b"")
    assert cache.read("unchanged", "k" * 64) is None


def spy_on_syncs(monkeypatch) -> list[tuple]:
    """What os.fsync and os.replace are asked, in order: ("file", inode, size),
    ("folder", path) and ("replace", inode, size, target)."""
    events: list[tuple] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(handle):
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):
            events.append(("folder", os.readlink(f"/proc/self/fd/{handle}")))
        else:
            events.append(("file", status.st_ino, status.st_size))
        real_fsync(handle)

    def replace(source, target):
        status = os.stat(source)
        real_replace(source, target)
        events.append(("replace", status.st_ino, status.st_size, str(target)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def check_durable(events: list[tuple], cache_dir: Path) -> set[str]:
    """Each entry renamed into `cache_dir` was synced whole before its rename;
    each folder it went to was synced once, after its last entry's rename. The
    folders synced."""
    root = os.path.realpath(cache_dir)
    synced_files = set()
    last_rename: dict[str, int] = {}
    folder_syncs: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        if event[0] == "file":
            synced_files.add(event[1:])
        elif event[0] == "replace":
            where = os.path.realpath(os.path.dirname(event[3]))
            if os.path.commonpath([where, root]) != root:
                continue  # a project file, not an entry
            assert event[1:3] in synced_files, f"{event[3]} renamed before its sync"
            last_rename[where] = index
        elif os.path.commonpath([event[1], root]) == root:
            folder_syncs.setdefault(event[1], []).append(index)
    assert sorted(folder_syncs) == sorted(last_rename), "a folder synced, or not"
    for where, indexes in folder_syncs.items():
        assert len(indexes) == 1, f"{where} synced {len(indexes)} times"
        assert indexes[0] > last_rename[where], f"{where} synced before a rename"
    return set(folder_syncs)


@pytest.mark.skipif(not LINUX, reason="/proc/self/fd as on Linux")
def test_an_entry_is_on_the_disk_before_its_name_is_its_folder_once(
    monkeypatch, tmp_path
):
    """The whole entry (its header and text) synced, then renamed into place; its
    folder synced once, by `cache.sync()` (at the end of a command), after every
    entry renamed into it: a power loss before that can lose a rename, never
    leave a name on a partial entry, and a lost entry is computed again."""
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    events = spy_on_syncs(monkeypatch)
    cache.write("black", "e" * 64, "x = 1\n")
    cache.write("black", "f" * 64, "y = 2\n")
    cache.write("rendered", "g" * 64, "{}")
    assert not [event for event in events if event[0] == "folder"]
    cache.sync()
    synced = check_durable(events, tmp_path)
    assert synced == {str(tmp_path / "black"), str(tmp_path / "rendered")}
    size = (tmp_path / "black" / ("e" * 64)).stat().st_size
    assert size > len("x = 1\n")
    assert ("replace", (tmp_path / "black" / ("e" * 64)).stat().st_ino, size) in [
        event[:3] for event in events
    ]
    assert cache.read("black", "e" * 64) == "x = 1\n"
    assert cache.read("rendered", "g" * 64) == "{}"
    before = len(events)
    cache.sync()  # nothing written since: nothing to sync
    assert len(events) == before


@pytest.mark.skipif(not LINUX, reason="/proc/self/fd as on Linux")
def test_a_command_syncs_each_cache_folder_it_wrote_once_before_it_exits(
    run_cli, monkeypatch, tmp_path
):
    """`new` with an empty cache writes entries into several folders: each entry
    synced before its rename, each folder synced once after its last entry, all
    before the command returns."""
    monkeypatch.setenv(VARIABLE, str(tmp_path / "cache"))
    formatting._memo.clear()
    events = spy_on_syncs(monkeypatch)
    (tmp_path / "project").mkdir()
    done = run_cli(*NEW, cwd=tmp_path / "project")
    assert done.code == 0, done.err
    synced = check_durable(events, tmp_path / "cache")
    assert {Path(where).name for where in synced} >= {"rendered", "black-pieces"}
    assert len([event for event in events if event[0] == "replace"]) > 10


# --- Item 4: a template edited while `new` renders --------------------------------


def test_a_template_edited_while_new_renders_is_not_recorded_as_rendered(
    run_cli, tmp_path, templates_copy, monkeypatch
):
    """An editor saves the pattern's template while `new` renders the module
    (just after Jinja rendered it): the component holds the text from before the
    edit, so its records must say so. `regenerate --check` then finds it out of
    date, `regenerate` brings the edit, and no later run is served the old text
    from the cache."""
    monkeypatch.setenv(VARIABLE, str(tmp_path / "cache"))
    templates = ["--templates", str(templates_copy)]
    real_render = jinja2.Template.render
    edited = []

    def render_then_edit(self, *args, **kwargs):
        text = real_render(self, *args, **kwargs)
        if not edited and self.name and self.name.endswith("'.py' }}.jinja"):
            change_template(templates_copy)  # the module has just rendered
            edited.append(self.name)
        return text

    first = tmp_path / "first"
    first.mkdir()
    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Template, "render", render_then_edit)
        done = run_cli(*templates, *NEW, cwd=first)
    assert done.code == 0, done.err
    assert edited and "# v2" not in (first / "projection.py").read_text()

    checked = run_cli(*templates, "regenerate", "--check", cwd=first)
    assert checked.code != 0 and "up to date" not in checked.out, checked.out
    done = run_cli(*templates, "regenerate", cwd=first)
    assert done.code == 0, done.err
    assert "# v2" in (first / "projection.py").read_text()

    # What a run with the cache off writes, and what the cache now gives.
    for name, folder in (("off", ""), ("on", str(tmp_path / "cache"))):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(VARIABLE, folder)
        formatting._memo.clear()
        done = run_cli(
            *templates,
            *NEW,
            cwd=tmp_path / name,
        )
        assert done.code == 0, done.err
    assert snapshot(tmp_path / "on") == snapshot(tmp_path / "off")
    generated = ["projection.py", "test_projection.py", "keras_scaffold_checks.py"]
    for name in generated:
        assert (first / name).read_bytes() == (tmp_path / "off" / name).read_bytes()


def test_the_fingerprint_is_of_the_text_rendered(tmp_path, templates_copy):
    """Each template is read once: the fingerprint recorded and the per-file
    digests are those of the text Jinja rendered, whatever the disk holds by the
    time they are taken."""
    templates = Templates(templates_copy)
    answers = make_answers(templates, "simple", "Projection", "pkg")
    before = render(templates, answers).files
    change_template(templates_copy)
    assert render(templates, answers).files == before
    fresh = Templates(templates_copy)
    assert fresh.digest != templates.digest
    assert render(fresh, answers).files != before


# --- Every kind of entry, every kind of damage ---------------------------------------


class Quiet(tuple):
    """A fixture's values, named in one word where hypothesis reports an example."""

    def __new__(cls, *values):
        return super().__new__(cls, values)

    def __repr__(self) -> str:
        return "<fixture>"


def outputs(templates_dir: Path) -> dict[str, str]:
    """A component's files and black's output for a whole text, from a fresh
    Templates and no memory of this process's formatting: from the cache only."""
    formatting._memo.clear()
    templates = Templates(templates_dir)
    answers = make_answers(templates, "simple", "Projection", "pkg")
    files = render(templates, answers).files
    return {**files, "whole.py": format_python("whole.py", WHOLE)}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A template folder, a cache that one run filled, and what a run with the
    cache off gives."""
    base = tmp_path_factory.mktemp("filled")
    templates_dir = base / "templates"
    shutil.copytree(Templates().root, templates_dir)
    before = os.environ[VARIABLE]
    try:
        os.environ[VARIABLE] = ""
        reference = outputs(templates_dir)
        os.environ[VARIABLE] = str(base / "cache")
        assert outputs(templates_dir) == reference
    finally:
        os.environ[VARIABLE] = before
    (jinja,) = (base / "cache").glob("jinja-*")  # compiled templates
    folders = {kind: base / "cache" / kind for kind in ENTRY_KINDS}
    folders["jinja"] = jinja
    for kind in ENTRY_KINDS:
        assert entries(folders[kind]), kind
    return Quiet(templates_dir, base / "cache", reference, folders)


def damage(target: Path, corruption: str, others: list[Path], rng: random.Random):
    """Put `corruption` where the entry `target` is (or would be)."""
    data = target.read_bytes() if target.is_file() else b""
    other = rng.choice(others) if others else None
    if target.exists() or target.is_symlink():
        target.unlink()
    if corruption == "empty":
        target.write_bytes(b"")
    elif corruption == "truncated":
        target.write_bytes(data[: rng.randrange(len(data))] if data else b"")
    elif corruption == "bit-flip":
        if not data:
            target.write_bytes(b"\x01")
        else:
            at = rng.randrange(len(data))
            flipped = data[at] ^ (1 << rng.randrange(8))
            target.write_bytes(data[:at] + bytes([flipped]) + data[at + 1 :])
    elif corruption == "swapped":
        target.write_bytes(other.read_bytes() if other else b"x")
    elif corruption == "foreign":  # bytes, or text that is no entry of ours
        size = rng.randrange(1, 200)
        text = "".join(rng.choice("ab\n #:=()") for _ in range(size)).encode()
        target.write_bytes(rng.choice([rng.randbytes(size), text]))
    elif corruption == "directory":
        target.mkdir()
        (target / "inside").write_bytes(data)
    elif corruption == "link":
        os.symlink(other if other else target.parent / "missing", target)
    elif corruption == "fifo":
        os.mkfifo(target)


@pytest.mark.skipif(not LINUX, reason="FIFOs and O_NOFOLLOW as on Linux")
@FUZZ
@given(
    kind=st.sampled_from(ENTRY_KINDS),
    corruption=st.sampled_from(CORRUPTIONS),
    every=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
# The case and, for each kind of entry, damage that changed a file or
# raised before the fix (with the entries that `seed` picks).
@example(kind="black-pieces", corruption="empty", every=False, seed=1)
@example(kind="black-pieces", corruption="truncated", every=False, seed=1)
@example(kind="black-pieces", corruption="swapped", every=False, seed=9)
@example(kind="black-pieces", corruption="link", every=False, seed=9)
@example(kind="black", corruption="empty", every=True, seed=0)
@example(kind="black", corruption="foreign", every=True, seed=1)
@example(kind="rendered", corruption="swapped", every=True, seed=0)
@example(kind="rendered", corruption="link", every=True, seed=1)
@example(kind="rendered", corruption="bit-flip", every=True, seed=3)
@example(kind="jinja", corruption="bit-flip", every=True, seed=0)
@example(kind="jinja", corruption="bit-flip", every=True, seed=2)
def test_a_damaged_entry_is_computed_again(filled, kind, corruption, every, seed):
    templates_dir, pristine, reference, folders = filled
    rng = random.Random(seed)
    cache_dir = Path(tempfile.mkdtemp(prefix="damaged-", dir=pristine.parent))
    shutil.rmtree(cache_dir)
    shutil.copytree(pristine, cache_dir, symlinks=True)
    folder = cache_dir / folders[kind].name
    if kind != "rendered":  # else every file is served whole, and they are not read
        shutil.rmtree(cache_dir / "rendered")
    found = entries(folder)
    chosen = found if every else rng.sample(found, rng.randrange(1, len(found) + 1))
    for target in chosen:
        damage(target, corruption, [p for p in found if p != target], rng)
    before = os.environ[VARIABLE]
    os.environ[VARIABLE] = str(cache_dir)
    try:
        assert outputs(templates_dir) == reference
        # Computed again and written back: the next run is served right too.
        assert outputs(templates_dir) == reference
    finally:
        os.environ[VARIABLE] = before
        shutil.rmtree(cache_dir, ignore_errors=True)


# --- `regenerate`'s record of components found up to date --------------------------


@pytest.fixture(scope="module")
def found_unchanged(tmp_path_factory):
    """A component, a cache holding one `unchanged` entry (a template change that
    changed none of its files), then a template change that does change them; the
    entry `regenerate` looks up for it, and the tree it writes with the cache off."""
    base = tmp_path_factory.mktemp("unchanged")
    templates_dir = base / "templates"
    shutil.copytree(Templates().root, templates_dir)
    project, cache_dir = base / "project", base / "cache"
    project.mkdir()
    templates = ["--templates", str(templates_dir)]
    done = keras_scaffold(
        *templates,
        *NEW,
        cwd=project,
        cache_dir=cache_dir,
    )
    assert done.returncode == 0, done.stderr
    path = module(templates_dir)
    path.write_text(
        path.read_text().replace("{% block call %}", "{# no-op #}{% block call %}", 1)
    )
    done = keras_scaffold(*templates, "regenerate", cwd=project, cache_dir=cache_dir)
    assert done.returncode == 0 and "up to date" in done.stdout, (
        done.stdout + done.stderr
    )
    (stored,) = entries(cache_dir / "unchanged")
    change_template(templates_dir)
    # The entry looked up now (the new fingerprint's), through a spy on `read`.
    looked_up = []
    real_read = cache.read
    before = os.environ[VARIABLE]
    try:
        cache.read = lambda kind, entry: looked_up.append((kind, entry)) or real_read(
            kind, entry
        )
        os.environ[VARIABLE] = str(cache_dir)
        regenerate.plan(records.find_records(project)[0], Templates(templates_dir))
    finally:
        cache.read = real_read
        os.environ[VARIABLE] = before
    (wanted,) = {entry for kind, entry in looked_up if kind == "unchanged"}
    off = base / "off"
    shutil.copytree(project, off)
    done = keras_scaffold(*templates, "regenerate", cwd=off, cache_dir="")
    assert done.returncode == 0 and "updated" in done.stdout, done.stdout + done.stderr
    return Quiet(templates_dir, project, cache_dir, stored, wanted, snapshot(off))


@pytest.mark.skipif(not LINUX, reason="FIFOs and O_NOFOLLOW as on Linux")
@FUZZ
@given(corruption=st.sampled_from(CORRUPTIONS), seed=st.integers(0, 2**32 - 1))
@example(corruption="empty", seed=0)
@example(corruption="swapped", seed=0)
@example(corruption="foreign", seed=0)
@example(corruption="link", seed=0)
def test_a_damaged_unchanged_entry_never_says_up_to_date(
    found_unchanged, capsys, corruption, seed
):
    """Whatever stands under the name `regenerate` looks up, a damaged copy of the
    entry another template change left, another entry or no entry at all: the
    component is rendered again and updated as with the cache off."""
    templates_dir, project, pristine, stored, wanted, reference = found_unchanged
    work = Path(tempfile.mkdtemp(prefix="unchanged-", dir=project.parent))
    shutil.copytree(project, work / "project")
    # The templates beside it, where its record says (`_src_path: ../templates`).
    shutil.copytree(templates_dir, work / "templates")
    shutil.copytree(pristine, work / "cache", symlinks=True)
    folder = work / "cache" / "unchanged"
    target = folder / wanted
    shutil.copyfile(folder / stored.name, target)
    damage(target, corruption, [folder / stored.name], random.Random(seed))
    before = os.environ[VARIABLE]
    os.environ[VARIABLE] = str(work / "cache")
    try:
        code, out, err = run_main(
            ["--templates", str(work / "templates"), "regenerate"],
            work / "project",
            capsys,
        )
    finally:
        os.environ[VARIABLE] = before
    assert code == 0, err
    assert snapshot(work / "project") == reference
    shutil.rmtree(work, ignore_errors=True)


# --- kill -9 and concurrent runs, with the cache on -------------------------------

COMPONENTS = 24


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """COMPONENTS components, a template change to bring them, and the tree a
    `regenerate` writes with the cache off."""
    from keras_scaffold import writer
    from keras_scaffold.generate import plan_component

    base = tmp_path_factory.mktemp("many")
    templates_dir = base / "templates"
    shutil.copytree(Templates().root, templates_dir)
    start = base / "start"
    start.mkdir()
    templates = Templates(templates_dir)
    for index in range(COMPONENTS):
        answers = make_answers(templates, "simple", f"Block{index:02d}", "pkg")
        writer.write(plan_component(templates, answers, start)[0])
    change_template(templates_dir)
    off = copy_of(start, base / "off")
    done = keras_scaffold(
        "--templates", "../templates", "regenerate", cwd=off, cache_dir=""
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("updated") == COMPONENTS
    return base, start, snapshot(off)


def copy_of(start: Path, project: Path) -> Path:
    project.parent.mkdir(parents=True, exist_ok=True)
    if not (project.parent / "templates").exists():
        os.symlink(start.parent / "templates", project.parent / "templates")
    subprocess.run(["cp", "-a", str(start), str(project)], check=True)
    return project


KILL_AT_CACHE_WRITE = """
import os, signal, sys
from keras_scaffold.cli import main
folder = os.environ["KERAS_SCAFFOLD_CACHE_DIR"]
point, when = int(sys.argv[1]), sys.argv[2]
real, calls = os.replace, []
def replace(source, target):
    if str(target).startswith(folder):
        calls.append(target)
    if len(calls) == point and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)  # the entry written, not yet in place
    real(source, target)
    if len(calls) == point and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)  # in place, its folder not synced
os.replace = replace
main(["--templates", "../templates", "regenerate"])
"""


@pytest.mark.skipif(not LINUX, reason="kill -9 as on Linux")
def test_a_regenerate_killed_while_it_writes_cache_entries_is_finished_by_a_rerun(
    many,
):
    """kill -9 at several cache writes (compiled templates first, then black's
    pieces, then rendered files), each in a cache of its own: the project is as
    it was, and the same command run again writes the tree a clean run writes,
    which is the tree a run with the cache off writes."""
    base, start, reference = many
    clean = copy_of(start, base / "clean" / "project")
    done = keras_scaffold(
        "--templates",
        "../templates",
        "regenerate",
        cwd=clean,
        cache_dir=base / "clean" / "cache",
    )
    assert done.returncode == 0, done.stderr
    assert snapshot(clean) == reference
    before = snapshot(start)
    for point, when in [(1, "before"), (8, "after"), (40, "before"), (150, "after")]:
        run = base / f"killed-{point}-{when}"
        project = copy_of(start, run / "project")
        environment = scaffold_environment(run / "cache")
        killed = subprocess.run(
            [sys.executable, "-c", KILL_AT_CACHE_WRITE, str(point), when],
            cwd=project,
            env=environment,
            capture_output=True,
            timeout=300,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert snapshot(project) == before, (point, when)
        # What it left half-written, as if a minute had passed: the rerun's
        # writes to those folders remove it.
        left = list((run / "cache").glob("*/.tmp-*"))
        assert left or when == "after", (point, when)
        for path in left:
            os.utime(path, (time.time() - 120,) * 2)
        done = keras_scaffold(
            "--templates",
            "../templates",
            "regenerate",
            cwd=project,
            cache_dir=run / "cache",
        )
        assert done.returncode == 0, done.stderr
        assert snapshot(project) == reference, (point, when)
        assert not [path for path in left if path.exists()], (point, when)
        done = keras_scaffold(
            "--templates",
            "../templates",
            "regenerate",
            "--check",
            cwd=project,
            cache_dir=run / "cache",
        )
        assert done.returncode == 0 and "up to date" in done.stdout, done.stdout


@pytest.mark.skipif(not LINUX, reason="workers are forked on Linux only")
def test_concurrent_regenerates_sharing_one_cache_write_the_same_tree(many):
    """Three `regenerate`s at once (one with two workers), each on its own copy,
    all filling one empty cache: each writes the tree a run with the cache off
    writes, and so does a fourth run served from what they stored."""
    base, start, reference = many
    shared = base / "shared-cache"
    runs = []
    for index, jobs in enumerate(("1", "2", "1")):
        project = copy_of(start, base / f"concurrent-{index}" / "project")
        environment = scaffold_environment(shared, jobs)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "keras_scaffold",
                "--templates",
                "../templates",
                "regenerate",
            ],
            cwd=project,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        runs.append((project, process))
    for project, process in runs:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert snapshot(project) == reference
    last = copy_of(start, base / "concurrent-last" / "project")
    done = keras_scaffold(
        "--templates", "../templates", "regenerate", cwd=last, cache_dir=shared
    )
    assert done.returncode == 0, done.stderr
    assert snapshot(last) == reference


LOG_SYNCS = """
import os, stat, sys
from keras_scaffold.cli import main
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
real_fsync, real_replace = os.fsync, os.replace
def note(*words):  # one write each, in order, whichever process writes it
    os.write(log, ("\\t".join(map(str, (os.getpid(), *words))) + "\\n").encode())
def fsync(handle):
    status = os.fstat(handle)
    if stat.S_ISDIR(status.st_mode):
        note("folder", os.readlink(f"/proc/self/fd/{handle}"))
    else:
        note("file", status.st_ino, status.st_size)
    real_fsync(handle)
def replace(source, target):
    status = os.stat(source)
    real_replace(source, target)
    note("replace", status.st_ino, status.st_size, target)
os.fsync, os.replace = fsync, replace
main(sys.argv[2:])
"""


@pytest.mark.skipif(not LINUX, reason="workers are forked on Linux only")
def test_a_worker_syncs_the_cache_folders_it_wrote_before_it_hands_back(many):
    """A `regenerate` with two processes and an empty cache: the forked worker,
    which leaves with os._exit (no exit handlers), syncs each cache folder it
    wrote an entry into, once, after its renames and before the main process
    syncs its own at the end of the command; each entry synced before its
    rename, in both."""
    base, start, reference = many
    run = base / "worker-syncs"
    project = copy_of(start, run / "project")
    environment = scaffold_environment(run / "cache", "2")
    done = subprocess.run(
        [
            *(sys.executable, "-c", LOG_SYNCS, str(run / "log")),
            *("--templates", "../templates", "regenerate"),
        ],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert snapshot(project) == reference
    by_process: dict[int, list[tuple]] = {}
    order = []
    for line in (run / "log").read_text().splitlines():
        pid, what, *rest = line.split("\t")
        event = (what, *(int(word) if word.isdigit() else word for word in rest))
        by_process.setdefault(int(pid), []).append(event)
        order.append((int(pid), event))
    main_pid = order[-1][0]
    (worker,) = set(by_process) - {main_pid}
    synced = {
        pid: check_durable(events, run / "cache") for pid, events in by_process.items()
    }
    assert {Path(where).name for where in synced[worker]} >= {"rendered"}
    last_of_worker = max(i for i, (pid, _) in enumerate(order) if pid == worker)
    first_main_folder_sync = min(
        i
        for i, (pid, event) in enumerate(order)
        if pid == main_pid and event[0] == "folder"
    )
    assert last_of_worker < first_main_folder_sync


# --- Temporary files a killed run left ---------------------------------------------


def test_a_write_removes_the_stale_temporary_files_of_its_folder(monkeypatch, tmp_path):
    """A write to a cache folder removes the temporary files a killed run left
    there, those not written for a minute; a younger one may be another process's
    entry being written now, and stays. Nothing but `.tmp-*` files is touched,
    nothing through a link, nothing in another folder."""
    monkeypatch.setenv(VARIABLE, str(tmp_path / "cache"))
    black, other = tmp_path / "cache" / "black", tmp_path / "cache" / "rendered"
    black.mkdir(parents=True)
    other.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("kept")
    old = [black / ".tmp-old1", black / ".tmp-old2", other / ".tmp-old3"]
    for path in old:
        path.write_bytes(b"half an entry")
    young = black / ".tmp-young"
    young.write_bytes(b"being written")
    (black / ".tmp-link").symlink_to(outside)
    (black / ".tmp-folder").mkdir()
    (black / ("x" * 64)).write_bytes(b"an old file, not a temporary one")
    two_minutes_ago = time.time() - 120
    for path in [*old, black / ".tmp-folder", black / ("x" * 64)]:
        os.utime(path, (two_minutes_ago, two_minutes_ago))
    os.utime(
        black / ".tmp-link", (two_minutes_ago, two_minutes_ago), follow_symlinks=False
    )
    cache.write("black", "e" * 64, "x = 1\n")
    cache.sync()
    assert not old[0].exists() and not old[1].exists()
    assert old[2].exists()  # no entry written there
    assert young.exists()
    assert not (black / ".tmp-link").is_symlink()
    assert outside.read_text() == "kept"
    assert (black / ".tmp-folder").is_dir()
    assert (black / ("x" * 64)).exists()
    assert cache.read("black", "e" * 64) == "x = 1\n"
    assert sorted(p.name for p in black.iterdir() if p.name.startswith(".tmp-")) == [
        ".tmp-folder",
        ".tmp-young",
    ]
