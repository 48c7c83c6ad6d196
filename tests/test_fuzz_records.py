"""Property-based tests of what keras-scaffold reads from disk (issue 25): every key
of an answers file (and the YAML around it), folder and file names, and the
merge base's contents. Whatever they hold, a command either refuses in one line
and changes nothing, or writes only the component's own files, with no text from
them emitted as code (every name in the generated code is the templates' own or
a name checked as an identifier) and nothing outside the project touched.

A few dozen examples run in every test run; KERAS_SCAFFOLD_FUZZ_EXAMPLES=2000 (the
variable tests/test_fuzz.py reads too) runs that many of each property, with a
random seed. The cases the issue reported run first, as explicit examples.
"""

import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import black
import pytest
import yaml
from conftest import PATTERNS, REPO, names_in, snapshot
from conftest import run_main as run
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from keras_scaffold.cli import main
from keras_scaffold.params import TYPES
from keras_scaffold.patterns import SafeLoader
from keras_scaffold.records import ANSWER_KEYS

OPT_IN = "KERAS_SCAFFOLD_FUZZ_EXAMPLES"
FUZZ = settings(
    max_examples=int(os.environ.get(OPT_IN, "20")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    derandomize=OPT_IN not in os.environ,
)
LAYER = REPO / "tests" / "check_fixtures" / "guide_composite_layer_fixed.py"
CODE = "os import system; system('touch PWNED'); from x"

# --- Text an attacker writes into a record or a name ---------------------------------

NASTY = [
    '"',
    "'",
    '"""',
    "\\",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b",
    "\u2028",
    "\udcff",
    "ｓ",
    "ﬁ",
    "#",
    ";",
    "(",
    ")",
    " ",
    ".",
    "..",
    "/",
    "*",
    "&a",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "__import__('os').system('touch PWNED')",
    CODE,
    "self",
    "keras",
    "os",
]
words = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=10),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True),
)
texts = st.lists(words, max_size=4).map("".join)
identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True)
dotted = st.lists(st.one_of(identifiers, texts), min_size=1, max_size=4).map(".".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.dates(),
    st.binary(max_size=8),
    st.sampled_from(
        [
            "..",
            "../outside",
            "/tmp",
            ".keras-scaffold",
            ".keras-scaffold/my_block.base",
            "a/../..",
            "sub",
            ".",
            "simple",
            "adopted",
            "composite",
            "MyBlock",
            "OtherBlock",
            "my_block",
            "pkg.my_block",
            f"{CODE}.my_block",
            "blocks",
            "0.1.0",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(identifiers, texts), inner, max_size=4),
        st.frozensets(st.integers(0, 3), max_size=2),
    ),
    max_leaves=12,
)
params = st.lists(
    st.fixed_dictionaries(
        {"name": st.one_of(identifiers, texts), "type": st.sampled_from(TYPES)},
        optional={
            "default": values,
            "min": st.one_of(st.integers(-3, 3), values),
            "max": st.integers(-3, 9),
            "choices": st.lists(st.one_of(identifiers, texts), max_size=3),
            "doc": texts,
            "other": values,
        },
    ),
    max_size=2,
)
settings_values = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(st.sampled_from(["layer", "model"]), values),
        "init": st.one_of(st.dictionaries(identifiers, values, max_size=3), values),
        "other": st.one_of(st.dictionaries(identifiers, values, max_size=3), values),
        "input_shape": st.one_of(st.lists(st.integers(-1, 9), max_size=4), values),
        "input_dtype": st.one_of(st.sampled_from(["float32", "int32"]), values),
        "extra": values,
    },
)
ANSWERS_KEYS = [
    *ANSWER_KEYS,
    "_src_path",
    "_commit",
    "adopted",
    "exclude",
    "my_own_key",
]
# What an `exclude` entry may be made to hold (issue 36, 4): the component's
# files, its records, paths out of it, and spellings of its files.
GENERATED = ["my_block.py", "test_my_block.py", "keras_scaffold_checks.py"]
exclude_entries = st.one_of(
    st.sampled_from(
        [
            *GENERATED,
            ".keras-scaffold/my_block.yml",
            ".keras-scaffold/my_block.base/my_block.py.orig",
            "./my_block.py",
            "/my_block.py",
            "../my_block.py",
            "my_block.py/",
            "sub/../my_block.py",
            "MY_BLOCK.PY",
            "*",
            "",
        ]
    ),
    texts,
)
excludes = st.one_of(st.lists(exclude_entries, max_size=4), values)
# What a `_src_path` may be made to name: nothing, the records, a folder with no
# templates, the component itself, URLs, and text.
src_paths = st.one_of(
    st.sampled_from(
        [".", "..", "../..", ".keras-scaffold", "my_block.py", "gh:a/b", "/x", ""]
    ),
    texts,
    values,
)


def key_values(key: str):
    if key == "params":
        return st.one_of(params, values)
    if key == "exclude":
        return excludes
    if key == "_src_path":
        return src_paths
    if key == "adopted":
        return st.one_of(settings_values, values)
    if key == "module_import":
        return st.one_of(dotted, values)
    return values


changes = st.sampled_from(ANSWERS_KEYS).flatmap(
    lambda key: st.tuples(st.just(key), key_values(key))
)

# Edits of the answers file's text itself: what a dump of values cannot hold.
# Nine lines that stand for 10**9 values (`*a8`), as a value or beside them.
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]\n"
    for level in range(1, 9)
)
text_edits = st.one_of(
    st.none(),
    st.sampled_from(
        [
            ("prepend", BOMB),
            ("replace", "class_name: MyBlock", "class_name: *a8"),
            ("append", "class_name: MyBlock\n"),  # a duplicate key
            ("append", "a: &x [*x]\n"),
            ("append", "deep: " + "[" * 200 + "]" * 200 + "\n"),
            ("append", "big: " + "9" * 5000 + "\n"),
            ("append", "when: 2020-13-45\n"),
            ("append", "x: !!python/object/apply:os.system ['touch PWNED']\n"),
            ("replace", "\n", "\r\n"),
            ("replace", "\n", "\r"),
        ]
    ),
    st.tuples(st.just("insert"), st.integers(0, 400), texts),
)


def edit_text(text: str, edit) -> str:
    if edit is None:
        return text
    if edit[0] == "prepend":
        return edit[1] + text
    if edit[0] == "append":
        return text + edit[1]
    if edit[0] == "replace":
        return text.replace(edit[1], edit[2])
    position = min(edit[1], len(text))
    return text[:position] + edit[2] + text[position:]


# --- Running the CLI and checking what it did --------------------------------------


def raw_name(text: str) -> bytes:
    """`text` as a file or folder name holds it: a lone surrogate from a name on
    disk stands for the byte that was not UTF-8 (Python's surrogateescape)."""
    return text.encode("utf-8", "surrogateescape")


def raw(text: str) -> bytes:
    """`text` as a file holds it, lone surrogates too (as bytes no UTF-8 decoder
    accepts)."""
    return text.encode("utf-8", "surrogatepass")


def invoke(args: list[str]) -> None:
    """Run the CLI for a fixture's setup, which must succeed."""
    try:
        main(args)
    except SystemExit as exit_:
        assert exit_.code in (0, None), args


def one_line(err: str) -> None:
    assert err.startswith("keras-scaffold: error: "), err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory) -> set[str]:
    """Every name the templates themselves write, for every pattern and type."""
    folder = tmp_path_factory.mktemp("vocabulary")
    specs = [f"a_{type_}:{type_}" for type_ in TYPES if type_ != "choice"]
    specs.append("a_choice:choice:p,q")
    every = [arg for spec in specs for arg in ("-p", spec)]
    found: set[str] = set()
    for pattern in PATTERNS:  # the code of each type is shared: once is enough
        args = every if pattern == "simple" else []
        invoke(["new", pattern, "Vocab", "-o", str(folder / pattern), *args])
        for path in (folder / pattern).rglob("*.py"):
            found |= names_in(path.read_text())
    shutil.copy(LAYER, folder / "blocks.py")
    invoke(["adopt", f"{folder}/blocks.py::CompositeLayer", "--init", "{}"])
    found |= names_in((folder / "test_composite_layer.py").read_text())
    return found - {"Vocab", "vocab", "CompositeLayer", "blocks"}


# (folder, the generated Python files in it) of every accepted example.
ACCEPTED: list[tuple[Path, list[str]]] = []


def check_code(folder: Path, vocabulary: set[str]) -> None:
    """The generated Python under `folder` compiles, is black-stable, and names
    nothing but the templates' names and the component's checked identifiers."""
    user: set[str] = set()
    for answers in (folder / ".keras-scaffold").glob("*.yml"):
        data = yaml.load(answers.read_text(), SafeLoader)  # as keras-scaffold reads it
        user |= {data["class_name"], f"Test{data['class_name']}", data["module_name"]}
        user |= set(data["module_import"].split("."))
        user |= {param["name"] for param in data["params"]}
    generated = []
    for path in folder.rglob("*.py"):
        if path.read_bytes() in (LAYER.read_bytes(), b""):
            # The adopted class's own module, and the package markers these
            # tests write into folders they name (ruff's N999 judges those names).
            continue
        generated.append(str(path.relative_to(folder)))
        source = path.read_text("utf-8")
        compile(source, str(path), "exec")
        assert black.format_str(source, mode=black.Mode()) == source, path
        unknown = {
            name
            for name in names_in(source) - vocabulary - user
            if not name.startswith("test_")
        }
        assert not unknown, (path, unknown)
    ACCEPTED.append((folder, generated))


def outside_untouched(root: Path, project: Path, before: dict) -> None:
    """Nothing under `root` but inside `project` changed."""
    after = snapshot(root)
    changed = {
        path for path in set(before) | set(after) if before.get(path) != after.get(path)
    }
    inside = f"{project.relative_to(root)}/"
    assert all(path.startswith(inside) for path in changed), changed


# --- Answers files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def components(tmp_path_factory) -> dict[str, Path]:
    """A generated and an adopted component, each alone in a project folder."""
    made = {}
    for kind in ("generated", "adopted"):
        project = tmp_path_factory.mktemp(kind) / "project"
        project.mkdir()
        if kind == "generated":
            args = ["new", "simple", "MyBlock", "-o", str(project)]
            args += ["-p", "mode:choice:a,b=a", "--doc", "mode=The mode."]
        else:
            shutil.copy(LAYER, project / "blocks.py")
            args = ["adopt", f"{project}/blocks.py::CompositeLayer"]
            args += ["--init", '{"hidden_dim": 4}']
        invoke(args)
        made[kind] = project
    return made


@FUZZ
@given(
    kind=st.sampled_from(["generated", "adopted"]),
    edits=st.lists(changes, min_size=1, max_size=3),
    text_edit=text_edits,
)
@example(
    kind="generated", edits=[("module_import", f"{CODE}.my_block")], text_edit=None
)
@example(kind="adopted", edits=[("module_import", f"{CODE}.blocks")], text_edit=None)
@example(kind="generated", edits=[], text_edit=("prepend", BOMB))
@example(
    kind="generated",
    edits=[],
    text_edit=("replace", "class_name: MyBlock", "class_name: *a8"),
)
@example(kind="generated", edits=[], text_edit=("append", "class_name: MyBlock\n"))
@example(
    kind="adopted",
    edits=[
        (
            "adopted",
            {"kind": "layer", "init": {"when": datetime.date(2020, 1, 1)}},
        )
    ],
    text_edit=None,
)
@example(
    kind="adopted",
    edits=[("adopted", {"kind": "layer", "init": {"x": b"hello"}})],
    text_edit=None,
)
@example(
    kind="adopted",
    edits=[("adopted", {"kind": "layer", "init": {"x": frozenset({1, 2})}})],
    text_edit=None,
)
def test_any_answers_file_is_refused_in_one_line_or_gives_clean_code(
    components, vocabulary, tmp_path_factory, capsys, kind, edits, text_edit
):
    root = tmp_path_factory.mktemp("answers")
    project = root / "project"
    shutil.copytree(components[kind], project)
    (root / "precious.txt").write_text("mine\n")
    answers = next((project / ".keras-scaffold").glob("*.yml"))
    data = yaml.safe_load(answers.read_text())
    for key, value in edits:
        data[key] = value
    answers.write_bytes(raw(edit_text(yaml.dump(data, Dumper=_Dumper), text_edit)))
    before = snapshot(root)
    code, _, err = run(["regenerate"], project, capsys)
    outside_untouched(root, project, before)
    assert not list(root.rglob("PWNED"))
    if code != 0:
        one_line(err)
        assert snapshot(root) == before
        return
    prefix = f"{project.name}/"
    records = {
        path
        for path in set(snapshot(project))
        - {path.removeprefix(prefix) for path in before}
        if path.startswith(".keras-scaffold/")
    }
    base = f".keras-scaffold/{answers.stem}.base/"
    assert all(path.startswith(base) for path in records), records
    check_code(project, vocabulary)


@FUZZ
@given(exclude=excludes, deleted=st.booleans())
@example(exclude=["test_my_block.py"], deleted=True)
@example(exclude=GENERATED, deleted=False)
@example(exclude=[".keras-scaffold/my_block.yml"], deleted=False)
@example(exclude=["../my_block.py"], deleted=False)
def test_any_exclude_is_refused_in_one_line_or_leaves_out_just_those_files(
    components, tmp_path_factory, capsys, exclude, deleted
):
    """Issue 36, 4: an answers file's `exclude` names files of the component, each
    once, as regenerate lists them; anything else is refused in one line, nothing
    written. Accepted, the files named are left as they are (or gone), their
    merge base goes, and `--check` passes."""
    root = tmp_path_factory.mktemp("exclude")
    project = root / "project"
    shutil.copytree(components["generated"], project)
    answers = project / ".keras-scaffold" / "my_block.yml"
    data = yaml.safe_load(answers.read_text())
    data["exclude"] = exclude
    answers.write_bytes(raw(yaml.dump(data, Dumper=_Dumper)))
    if deleted and isinstance(exclude, list):
        for path in set(GENERATED) & {e for e in exclude if isinstance(e, str)}:
            (project / path).unlink()
    before = snapshot(root)
    code, _, err = run(["regenerate"], project, capsys)
    event(f"exit {code}")
    assert not list(root.rglob("PWNED"))
    if code != 0:
        one_line(err)
        assert snapshot(root) == before
        return
    if exclude is None:  # `exclude:` with no value: none
        exclude = []
    assert isinstance(exclude, list) and len(set(exclude)) == len(exclude)
    assert set(exclude) <= set(GENERATED)
    after = snapshot(project)
    for path in GENERATED:
        assert after.get(path) == before.get(f"project/{path}"), path
        orig = f".keras-scaffold/my_block.base/{path}.orig"
        assert (orig in after) == (path not in exclude), path
    assert run(["regenerate", "--check"], project, capsys)[0] == 0


class _Dumper(yaml.SafeDumper):
    """A dumper for what a hand-edited file may hold: sets as `!!set`."""


_Dumper.add_representer(
    frozenset, lambda dumper, value: dumper.represent_set(set(value))
)


# --- Folder and file names ---------------------------------------------------------


def _usable(name: str) -> bool:
    """A name the file system can hold in one folder entry."""
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        return False
    try:
        return len(os.fsencode(name)) <= 200
    except UnicodeError:
        return False


folder_names = st.one_of(texts, identifiers, st.just(CODE)).filter(_usable)


@FUZZ
@given(
    where=st.sampled_from(["output", "package", "project", "adopt", "adopt_file"]),
    name=folder_names,
)
@example(where="adopt", name="os import system;system('touch PWNED');from json")
@example(where="project", name="os import system;system('touch PWNED');from json")
@example(where="project", name="\udcff")  # the byte 0xff: no UTF-8
@example(where="output", name="a[\x95b")  # ruff reads `[` as a pattern
@example(where="adopt_file", name="os")  # `from os import` is the standard library's
def test_any_folder_name_is_refused_in_one_line_or_gives_clean_code(
    vocabulary, tmp_path_factory, capsys, where, name
):
    root = tmp_path_factory.mktemp("names")
    work = root / "work"
    work.mkdir()
    folder = work / name
    if where == "output":
        folder.mkdir()
        args = ["new", "simple", "MyBlock", "-o", name]
    elif where == "package":
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        args = ["new", "simple", "MyBlock", "-o", name]
    elif where == "project":
        settings = (
            "[tool.keras-scaffold]\n"
            'package = "proj"\n'
            f"layers = {_toml_string('src/proj/' + name)}\n"
            'models = "src/proj/models"\n'
            'tests = "tests"\n'
        )
        # A name that is no UTF-8 (a byte such as 0xff) makes a pyproject.toml
        # that is none either: refused in one line.
        (work / "pyproject.toml").write_bytes(raw_name(settings))
        layers = work / "src" / "proj" / name
        layers.mkdir(parents=True)
        (work / "src" / "proj" / "__init__.py").write_text("")
        (layers / "__init__.py").write_text("")
        args = ["new", "simple", "MyBlock"]
    elif where == "adopt":
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        shutil.copy(LAYER, folder / "blocks.py")
        args = ["adopt", f"{name}/blocks.py::CompositeLayer", "--init", "{}"]
    else:  # the module's own file name
        shutil.copy(LAYER, work / f"{name}.py")
        args = ["adopt", f"{name}.py::CompositeLayer", "--init", "{}"]
    before = snapshot(root)
    code, _, err = run(args, work, capsys)
    outside_untouched(root, work, before)
    assert not list(root.rglob("PWNED"))
    if code != 0:
        one_line(err)
        assert snapshot(root) == before
        return
    destination = next(path.parent for path in work.rglob(".keras-scaffold"))
    check_code(destination, vocabulary)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return (
        '"'
        + "".join(
            f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127 else c for c in escaped
        )
        + '"'
    )


# --- Merge bases ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> dict:
    """Two components (`MyBlock`, whose records the test tampers with, and
    `OtherBlock`) generated from a template copy; a second copy, then changed (so
    that `regenerate` renders and merges); and what each copy gives."""
    root = tmp_path_factory.mktemp("bases")
    same, templates = root / "same", root / "templates"
    shutil.copytree(REPO / "templates", same)
    shutil.copytree(REPO / "templates", templates)
    module = templates / "simple" / "module.py.jinja"
    module.write_text(
        module.read_text().replace(
            "    def call(", "    # A template change.\n    def call(", 1
        )
    )
    project, fresh = root / "project", root / "fresh"
    for folder, chosen in ((project, same), (fresh, templates)):
        for name in ("MyBlock", "OtherBlock"):
            # One package for both folders: the files differ by the change alone.
            args = ["new", "simple", name, "-p", "mode:choice:a,b=a"]
            args += ["--package", "blocks", "-o", str(folder)]
            invoke(["--templates", str(chosen), *args])

    def files(folder: Path) -> dict[str, str]:
        return {
            path: data.decode()
            for path, data in snapshot(folder).items()
            if not path.startswith(".keras-scaffold")
        }

    return _Shown(
        project=project,
        templates={"changed": templates, "same": same},
        theirs={"changed": files(fresh), "same": files(project)},
    )


class _Shown(dict):
    """A fixture's values, shown by their keys alone in a failure's report."""

    def __repr__(self) -> str:
        return f"<{', '.join(self)}>"


GENERATED = [
    "my_block.py",
    "test_my_block.py",
    "keras_scaffold_checks.py",
    "keras_scaffold_support.py",
]
OTHERS = ["other_block.py", "test_other_block.py"]  # another component's files
# Paths a merge base may name besides the component's own files: the project's
# files, another component's, records, and paths that climb out of the project.
PLANTED_PATHS = [
    "pyproject.toml",
    ".git/config",
    "notes.txt",
    "sub/x.py",
    *OTHERS,
    ".keras-scaffold/other_block.yml",
    ".keras-scaffold/other_block.base/other_block.py.orig",
    "../precious.txt",
    "../../precious.txt",
    "../../../precious.txt",
    "sub/../my_block.py",
    "",
]
segments = st.sampled_from(
    ["..", ".", ".git", "sub", "config", "x.py", ".keras-scaffold", "my_block.py"]
)
relpaths = st.one_of(
    st.sampled_from([*GENERATED, *PLANTED_PATHS]),
    st.lists(segments, min_size=1, max_size=4).map("/".join),
)
lines = st.one_of(
    texts,
    st.sampled_from(
        [
            "import os\n",
            "os.system('touch PWNED')\n",
            "<<<<<<< yours\n",
            "=======\n",
            ">>>>>>> keras-scaffold 0.1.0\n",
            "class MyBlock(keras.layers.Layer):\n",
            "    def call(self, inputs):\n",
            "[core]\n\tfsmonitor = touch PWNED\n",
            "",
        ]
    ),
)
base_texts = st.lists(lines, max_size=8).map("".join)
FSMONITOR = "[core]\n\tfsmonitor = touch PWNED\n"


def plant(root: Path, path: Path, text: str) -> None:
    """`text` into `path`, if it lies inside `root` (the example's folder) and can be
    made there (no file where a folder is needed)."""
    if not path.resolve().is_relative_to(root.resolve()):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw(text))
    except OSError:  # a file where a folder is needed, or the reverse
        pass


@FUZZ
@given(
    templates=st.sampled_from(["changed", "same"]),
    bases=st.dictionaries(
        relpaths, st.one_of(base_texts, st.sampled_from(["keep", "drop"])), max_size=4
    ),
    pending=st.dictionaries(
        relpaths, st.one_of(base_texts, st.just("copy")), max_size=3
    ),
    digest=st.one_of(
        st.none(),
        st.sampled_from(["older, swapped", "empty"]),
        st.lists(st.one_of(texts, st.sampled_from(GENERATED)), max_size=4).map(
            "\n".join
        ),
    ),
)
@example(templates="changed", bases={"pyproject.toml": "keep"}, pending={}, digest=None)
@example(templates="changed", bases={}, pending={}, digest="older, swapped")
# Issue 33, case 1: a planted base and a pending copy of the file as it is, the
# digest as `new` wrote it, took the base for the new generation and wrote it.
@example(
    templates="same",
    bases={"pyproject.toml": FSMONITOR, ".git/config": FSMONITOR},
    pending={"pyproject.toml": "copy", ".git/config": "copy"},
    digest=None,
)
@example(
    templates="same",
    bases={"other_block.py": "import os\nos.system('touch PWNED')\n"},
    pending={"other_block.py": "copy"},
    digest=None,
)
@example(
    templates="same",
    bases={"my_block.py": "import os\nos.system('touch PWNED')\n"},
    pending={"my_block.py": "copy"},
    digest=None,
)
@example(
    templates="same",
    bases={"../precious.txt": FSMONITOR},
    pending={"../precious.txt": "copy"},
    digest=None,
)
def test_any_merge_base_is_refused_in_one_line_or_merges_only_real_lines(
    changed, tmp_path_factory, capsys, templates, bases, pending, digest
):
    """A merge base is never a source of lines: whatever it holds, at whatever
    paths (the project's other files, another component's, `../`), every line
    `regenerate` writes comes from the user's file or the fresh generation (or
    is a conflict marker), only into the components' own files, and `remove`
    deletes only the component's files."""
    root = tmp_path_factory.mktemp("merge")
    project = root / "project"
    shutil.copytree(changed["project"], project)
    (root / "precious.txt").write_text("mine\n")
    base = project / ".keras-scaffold" / "my_block.base"
    for relpath in {*bases, *pending} - set(GENERATED):
        # A file of the user's, named by the base (not over a record).
        target = project / relpath
        if not (target.exists() or ".keras-scaffold" in Path(relpath).parts):
            plant(root, target, "mine\n")
    for relpath, text in bases.items():
        if text == "drop":
            orig = base / f"{relpath}.orig"
            if orig.resolve().is_relative_to(root.resolve()) and orig.is_file():
                orig.unlink()
            continue
        if text == "keep":
            if relpath in GENERATED:
                continue
            text = "mine\n"
        plant(root, base / f"{relpath}.orig", text)
    for relpath, text in pending.items():
        if text == "copy":
            target = project / relpath
            text = target.read_text() if target.is_file() else ""
        plant(root, base / f"{relpath}.theirs", text)
    if digest == "older, swapped":
        # An older keras-scaffold's per-file digests, one file's passed off as
        # another's: they are read past.
        (fingerprint,) = (base / "digest").read_text().splitlines()
        others = GENERATED[1:] + GENERATED[:1]
        swapped = [
            f"{hashlib.sha256(path.encode()).hexdigest()} {other}"
            for path, other in zip(GENERATED, others, strict=True)
        ]
        (base / "digest").write_text("\n".join([fingerprint, *swapped]) + "\n")
    elif digest == "empty":
        (base / "digest").write_text("")
    elif digest is not None:
        (base / "digest").write_bytes(raw(digest))
    components = [*GENERATED, *OTHERS]
    ours = {path: (project / path).read_text() for path in components}
    mine = {
        path: data
        for path, data in snapshot(root).items()
        if not path.startswith("project/.keras-scaffold")
        and path.removeprefix("project/") not in components
    }
    before = snapshot(root)
    chosen = ["--templates", str(changed["templates"][templates])]
    code, out, err = run([*chosen, "regenerate"], project, capsys)
    event(f"regenerate: exit {code}, {templates} templates")
    outside_untouched(root, project, before)
    assert not list(root.rglob("PWNED"))
    if code != 0 and "conflict" not in err:
        one_line(err)
        assert snapshot(root) == before
        return
    markers = {"<<<<<<< yours", "=======", ">>>>>>> keras-scaffold 0.1.0"}
    for path in components:
        written = (project / path).read_text()
        allowed = set(ours[path].splitlines()) | markers
        allowed |= set(changed["theirs"][templates][path].splitlines())
        assert set(written.splitlines()) <= allowed, (
            path,
            set(written.splitlines()) - allowed,
        )
    for path, data in mine.items():
        assert (root / path).read_bytes() == data, path
    before = snapshot(root)
    code, _, err = run([*chosen, "remove", "MyBlock", "--force"], project, capsys)
    outside_untouched(root, project, before)
    after = snapshot(root)
    if code != 0:
        one_line(err)
        assert snapshot(root) == before
        return
    assert all(after.get(path) == data for path, data in mine.items()), [
        path for path, data in mine.items() if after.get(path) != data
    ]
    assert all(f"project/{path}" in after for path in OTHERS)
    # The checks module stays: the other component generated it too.
    assert not any(f"project/{path}" in after for path in GENERATED[:2])


def plain_copy(folder: Path, files: list[str]) -> tuple[Path, list[str]]:
    """`folder`'s Python files (all of them: ruff tells first-party modules by
    them) copied into a temporary folder, each name's glob characters (`[`, `*`,
    ...) replaced by `-`: ruff reads its paths as patterns and stops at a bad one.
    No such name can reach an import: those are checked identifiers. Returns the
    copy and the new names of `files`."""
    target = Path(tempfile.mkdtemp(prefix="ruff-"))

    def plain(name: str) -> str:
        return re.sub(r"[][*?{}!]", "-", name)

    for path in folder.rglob("*.py"):
        name = str(path.relative_to(folder))
        (target / plain(name)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / plain(name))
    return target, [plain(name) for name in files]


def test_every_accepted_component_is_ruff_clean():
    """Ruff over every component the properties above accepted: with ruff's
    defaults and with the project's selection."""
    if not ACCEPTED:
        pytest.skip("the properties accepted nothing (run with them)")
    print(f"{len(ACCEPTED)} accepted components checked with ruff")
    for extra in (["--isolated"], ["--isolated", "--select", "E,F,W,I,B,UP"]):
        for named, generated in ACCEPTED:
            folder, files = plain_copy(named, generated)
            # The source roots a project made by `init` declares, and the folders
            # the tests were written to: keras_scaffold_checks.py lies beside
            # them, first-party only where its folder is a source root.
            roots = sorted({".", "src", "tests"} | {str(Path(f).parent) for f in files})
            completed = subprocess.run(
                [sys.executable, "-m", "ruff", "check", "--no-cache", *extra]
                + ["--config", f"src = {roots!r}"]
                + ["--line-length", "88", *files],
                capture_output=True,
                text=True,
                cwd=folder,
            )
            assert completed.returncode == 0, (folder, completed.stdout[-3000:])
