"""Nothing a user types or tampers with injects code, escapes the project, or loses
a byte (issue 11): each case found by hand or by fuzzing, run through the CLI."""

import ast
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import REPO, Result, run_pytest, snapshot

from keras_scaffold import writer
from keras_scaffold.params import parse_param
from keras_scaffold.reserved import GENERATED_NAMES, KERAS_BASE_ATTRIBUTES


def one_error_line(result, code=None) -> str:
    assert result.code != 0 if code is None else result.code == code, result.err
    assert result.err.startswith("keras-scaffold: error: "), result.err
    assert len(result.err.splitlines()) == 1, result.err
    return result.err


# --- One escaping path -------------------------------------------------------


@pytest.mark.parametrize(
    "choices",
    [
        "x\"+exec(\"open('PWNED','w')\")+\",y",
        "a\\N,b",
        "\\u,\\x",
        "a\"\"\",b'''",
        "{x},`y`",
        "é,ﬁ",
    ],
)
def test_choices_become_literals_never_code(run_cli, tmp_path, choices):
    result = run_cli(
        "new", "simple", "Block", "-p", f"mode:choice:{choices}", cwd=tmp_path
    )
    assert result.code == 0, result.err
    values = [choice.strip() for choice in choices.split(",")]
    for name in ("block.py", "test_block.py"):
        source = (tmp_path / name).read_text()
        compile(source, name, "exec")
    # The check holds the choices as data: a tuple of literals.
    tree = ast.parse((tmp_path / "block.py").read_text())
    check = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") == "check_string"
        and ast.literal_eval(node.args[0]) == "mode"
    )
    assert list(ast.literal_eval(check.args[2])) == values
    assert not (tmp_path / "PWNED").exists()


def test_a_default_with_quotes_and_backslashes_is_a_literal(run_cli, tmp_path):
    result = run_cli(
        "new", "simple", "Block", "-p", 'label:str=a"""b\\N\'c', cwd=tmp_path
    )
    assert result.code == 0, result.err
    source = (tmp_path / "block.py").read_text()
    compile(source, "block.py", "exec")
    assert "label: str = 'a\"\"\"b\\\\N\\'c'" in source or 'label: str = "a' in source


@pytest.mark.parametrize(
    ("spec", "reads"),
    [("ｓelf:int", "self"), ("ｋwargs:str", "kwargs"), ("ﬁlters:int=3", "filters")],
)
def test_identifiers_are_checked_as_python_reads_them(run_cli, tmp_path, spec, reads):
    err = one_error_line(run_cli("new", "simple", "Block", "-p", spec, cwd=tmp_path))
    assert f"as `{reads}`" in err
    assert snapshot(tmp_path) == {}


# --- Refuse what cannot work ---------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "call",
        "build",
        "get_config",
        "compute_output_shape",
        "add_weight",
        "keras",
        "ops",
        "np",
        "isinstance",
        "int",
        "str",
        "super",
        "ValueError",
        "TypeError",
        "l",
        "O",
        "I",
        "fit",
        "summary",
    ],
)
def test_names_the_class_or_its_code_use_are_refused(run_cli, tmp_path, name):
    err = one_error_line(
        run_cli("new", "simple", "Block", "-p", f"{name}:int=1", cwd=tmp_path), 2
    )
    assert f"`{name}`" in err
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize(
    "spec",
    [
        "x:int:5..5=5",
        "x:int:5..5",
        "x:float:1..1",
        "x:int:3..9=10",
        "x:float:..-1=0",
        "mode:choice:a,b=c",
        "x:int=12345678901234",
        "x:float=1e300",
        "label:str=" + "a" * 60,
        "mode:choice:" + ",".join(f"choice{i}" for i in range(12)),
        "units:activation",  # the pattern's own `units` is an int
        "units:int:..-1",  # ... and positive
        "units:int=0",
    ],
)
def test_declarations_that_cannot_work_are_refused(run_cli, tmp_path, spec):
    one_error_line(run_cli("new", "simple", "Block", "-p", spec, cwd=tmp_path), 2)
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize(
    "class_name",
    [
        "Optree",
        "Absl",
        "Rich",
        "H5py",
        "MlDtypes",
        "Packaging",
        "Scipy",
        "Namex",
        "Numpy",
        "Json",
        "ValueError",
        "Conftest",
        "I",
        "O",
        "A" * 300,
    ],
)
def test_class_names_that_would_shadow_something_are_refused(
    run_cli, tmp_path, class_name
):
    one_error_line(run_cli("new", "simple", class_name, cwd=tmp_path), 2)
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize(
    "spec",
    ["x:float:..-1", "x:ints:..0", "x:int:..-3", "mode:choice:not_a_choice,b=b"],
)
def test_test_values_come_from_the_declared_range(spec):
    """The sample, other and invalid values the generated tests use, rendered
    through the templates' macros, are valid, valid and invalid."""
    from keras_scaffold.templates import Templates

    param = parse_param(spec)
    env = Templates().component.env
    macros = env.get_template("_shared/params.jinja").module
    sample = eval(str(macros.sample_literal(param)))
    other = eval(str(macros.other_literal(param)))
    invalid = eval(str(macros.invalid_literal(param)))

    def valid(value) -> bool:
        if param["type"] == "choice":
            return value in param["choices"]
        values = value if param["type"] == "ints" else (value,)
        return bool(values) and all(
            isinstance(v, int | float)
            and param.get("min", -1e99) <= v <= param.get("max", 1e99)
            for v in values
        )

    assert valid(sample) and valid(other) and not valid(invalid)
    assert sample != other or "default" in param


def test_reserved_names_cover_what_the_templates_use(tmp_path, run_cli):
    """Every name the generated modules use where a parameter lives is reserved
    (checked on the code itself, so a template change cannot slip past)."""
    import ast
    import builtins

    from test_render import EVERY_TYPE

    from keras_scaffold.params import RESERVED_NAMES
    from keras_scaffold.templates import Templates

    templates = Templates()
    own = {param["name"] for p in templates.patterns.values() for param in p.params}
    declared = {spec.split(":")[0] for spec in EVERY_TYPE} | own
    reserved = RESERVED_NAMES | KERAS_BASE_ATTRIBUTES | GENERATED_NAMES
    for pattern in templates.patterns:
        out = tmp_path / pattern
        args = [arg for spec in EVERY_TYPE for arg in ("-p", spec)]
        assert run_cli("new", pattern, "Probe", "-o", str(out), *args, cwd=tmp_path)
        tree = ast.parse((out / "probe.py").read_text())
        used = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == (
                "self"
            ):
                used.add(node.attr)
            if isinstance(node, ast.FunctionDef) and node.name in (
                "__init__",
                "get_config",
                "from_config",
            ):
                used |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if isinstance(node, ast.Import | ast.ImportFrom):
                used |= {(a.asname or a.name).split(".")[0] for a in node.names}
        used -= declared | set(dir(builtins)) | {"Probe"}
        used = {name for name in used if not name.startswith("_")}
        assert used <= reserved, (pattern, sorted(used - reserved))


# --- Records are input too -----------------------------------------------------


@pytest.fixture
def component(run_cli, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    result = run_cli("new", "simple", "Block", "-p", "mode:choice:a,b=a", cwd=folder)
    assert result.code == 0, result.err
    return folder


def tamper(folder, **changes):
    path = folder / ".keras-scaffold" / "block.yml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(
    "changes",
    [
        {"module_dir": "../outside"},
        {"tests_dir": "../outside"},
        {"module_dir": "../../x"},
        {"module_dir": "/tmp/keras-scaffold-outside"},
        {"module_dir": ".keras-scaffold"},
        {"tests_dir": ".keras-scaffold/block.base"},
        {"class_name": 123},
        {"package": 5},
        {"pattern": ["x"]},
        {"params": [{"name": "mode", "type": "choice", "choices": ["a", "b,c"]}]},
        {"params": [{"name": "x", "type": "int", "min": 5, "max": 5}]},
        {"params": [{"name": "call", "type": "int"}]},
        {
            "params": [
                {
                    "name": "x",
                    "type": "float",
                    "min": 0,
                    "max": 1,
                    "min_exclusive": True,
                }
            ]
        },
        {"params": "x"},
        {"module_dir": "a\x00b"},
        {"module_dir": "\udcff"},
        {"_src_path": "\udcff"},
        # Issue 36: the templates a record names, and the files it excludes.
        {"_src_path": "../nowhere"},
        {"_src_path": ".."},  # a folder, but no templates
        {"_src_path": ".keras-scaffold"},
        {"_src_path": "x" * 300},
        {"exclude": "block.py"},
        {"exclude": [3]},
        {"exclude": [".keras-scaffold/block.yml"]},
        {"exclude": [".keras-scaffold/block.base/block.py.orig"]},
        {"exclude": ["../outside/block.py"]},
        {"exclude": ["/tmp/keras-scaffold-outside"]},
        {"exclude": ["./block.py"]},
        {"exclude": ["block.py", "block.py"]},
        {"exclude": ["notes.txt"]},
        {"exclude": ["block.py\n"]},
    ],
)
def test_a_tampered_record_is_one_error_and_nothing_is_written(
    run_cli, component, changes
):
    tamper(component, **changes)
    (component / "block.py").write_text(
        (component / "block.py")
        .read_text()
        .replace("    Args:", "    Edited.\n    Args:")
    )
    outside = component.parent
    before = snapshot(outside)
    err = one_error_line(run_cli("regenerate", cwd=component))
    assert "block.yml" in err
    assert snapshot(outside) == before
    assert not os.path.exists("/tmp/keras-scaffold-outside")


# --- Nothing lost ----------------------------------------------------------------


def template_change(templates_copy):
    path = templates_copy / "simple" / "module.py.jinja"
    text = path.read_text()
    marker = "    def call("
    assert marker in text
    path.write_text(text.replace(marker, "    # A template change.\n" + marker, 1))


def test_regenerate_keeps_comments_extra_keys_and_order_of_the_answers(
    run_cli, tmp_path, templates_copy
):
    folder = tmp_path / "p"
    folder.mkdir()
    assert (
        run_cli(
            "--templates", str(templates_copy), "new", "simple", "Block", cwd=folder
        ).code
        == 0
    )
    answers = folder / ".keras-scaffold" / "block.yml"
    text = answers.read_text().replace(
        "keras_scaffold_version: 0.1.0", "keras_scaffold_version: 0.0.9  # old"
    )
    text += "# my note\nmy_key: kept\n"
    answers.write_text(text)
    template_change(templates_copy)
    result = run_cli("--templates", str(templates_copy), "regenerate", cwd=folder)
    assert result.code == 0, result.err
    after = answers.read_text()
    assert "# my note\nmy_key: kept\n" in after
    assert "keras_scaffold_version: 0.1.0" in after
    assert after.splitlines()[:2] == text.splitlines()[:2]


def test_crlf_files_stay_crlf(run_cli, tmp_path, templates_copy):
    """(A linked file is never written through: see issue 33's tests below.)"""
    folder = tmp_path / "p"
    folder.mkdir()
    assert (
        run_cli(
            "--templates", str(templates_copy), "new", "simple", "Block", cwd=folder
        ).code
        == 0
    )
    module = folder / "block.py"
    module.write_bytes(module.read_bytes().replace(b"\n", b"\r\n"))
    template_change(templates_copy)
    result = run_cli("--templates", str(templates_copy), "regenerate", cwd=folder)
    assert result.code == 0, result.err
    data = module.read_bytes()
    assert b"# A template change.\r\n" in data and b"\n" not in data.replace(
        b"\r\n", b""
    )


def test_a_file_changed_after_it_was_read_is_not_overwritten(
    run_cli, tmp_path, templates_copy, monkeypatch
):
    folder = tmp_path / "p"
    folder.mkdir()
    assert (
        run_cli(
            "--templates", str(templates_copy), "new", "simple", "Block", cwd=folder
        ).code
        == 0
    )
    template_change(templates_copy)
    module = folder / "block.py"
    real_write = writer.write_atomically

    def edit_then_write(path, text, *rest):
        if path.name == "block.py":
            module.write_text(module.read_text() + "# saved meanwhile\n")
        real_write(path, text, *rest)

    monkeypatch.setattr(writer, "write_atomically", edit_then_write)
    err = one_error_line(
        run_cli("--templates", str(templates_copy), "regenerate", cwd=folder)
    )
    assert "changed while keras-scaffold ran" in err
    assert module.read_text().endswith("# saved meanwhile\n")
    assert [p.name for p in folder.iterdir() if writer.TEMP_MARK in p.name] == []


@pytest.mark.parametrize(
    "init_text",
    [
        "# keras-scaffold: exports begin (kept sorted by `keras-scaffold new`)\n"
        "from .a import A as A\nimport os  # mine\n\n# keras-scaffold: exports end\n",
        "# keras-scaffold: exports begin (kept sorted by `keras-scaffold new`)\n"
        "from .a import A as A\n",
    ],
    ids=["user-line", "no-end-marker"],
)
def test_exports_blocks_that_are_not_ours_are_reported(run_cli, tmp_path, init_text):
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    init = project / "src" / "proj" / "layers" / "__init__.py"
    init.write_text(init_text)
    before = snapshot(project)
    one_error_line(run_cli("new", "simple", "Block", cwd=project))
    assert snapshot(project) == before


# --- Crash-safe ------------------------------------------------------------------


KILL_AT_REPLACE = """
import os, sys
from keras_scaffold.cli import main
real, calls = os.replace, []
def replace(source, target):
    calls.append(target)
    if len(calls) == int(sys.argv[1]):
        os.kill(os.getpid(), 9)  # killed just before this file lands
    real(source, target)
os.replace = replace
main(["new", "simple", "Block"])
"""


@pytest.mark.parametrize("kill_at", range(1, 7))
def test_a_killed_new_never_leaves_a_component_without_its_merge_base(
    run_cli, tmp_path, kill_at
):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    completed = subprocess.run(
        [sys.executable, "-c", KILL_AT_REPLACE, str(kill_at)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": repo},
        capture_output=True,
    )
    assert completed.returncode == -9
    base = tmp_path / ".keras-scaffold" / "block.base"
    for name in ("block.py", "test_block.py", ".keras-scaffold/block.yml"):
        if (tmp_path / name).exists():
            assert (base / "block.py.orig").is_file() and (base / "digest").is_file()
    # Running the same command again finishes the job, and removes the
    # temporary file the killed run left.
    result = run_cli("new", "simple", "Block", cwd=tmp_path)
    assert result.code == 0, result.err
    assert [p for p in tmp_path.rglob("*") if writer.TEMP_MARK in p.name] == []
    result = run_cli("regenerate", cwd=tmp_path)
    assert result.code == 0 and "up to date" in result.out, result.out + result.err


def test_stale_temporaries_are_removed_by_the_next_write(run_cli, tmp_path):
    stale = tmp_path / f".block.py{writer.TEMP_MARK}abc123"
    stale.write_text("half")
    assert run_cli("new", "simple", "Block", cwd=tmp_path).code == 0
    assert not stale.exists()


def test_a_failed_new_removes_the_folders_it_made(run_cli, tmp_path, fail_nth_write):
    fail_nth_write(4, OSError(28, "No space left on device"))
    one_error_line(run_cli("new", "simple", "Block", "-o", "a/b/c", cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ("init", "afile/proj"),
        ("init", "x" * 256),
        ("init", "p", "--data", "test_backends=jax"),
        ("init", "p", "--data", "package_name=a\nb"),
    ],
)
def test_a_failed_init_is_one_line_and_leaves_nothing(run_cli, tmp_path, args):
    (tmp_path / "afile").write_text("")
    one_error_line(run_cli(*args, cwd=tmp_path))
    assert snapshot(tmp_path) == {"afile": b""}
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


def test_init_into_a_read_only_parent_rolls_back(run_cli, tmp_path, monkeypatch):
    import copier

    def fail(*args, **kwargs):
        (tmp_path / "p" / "half").mkdir(parents=True)
        (tmp_path / "p" / "half" / "file").write_text("x")
        raise PermissionError(13, "Permission denied", str(tmp_path / "p"))

    monkeypatch.setattr(copier, "run_copy", fail)
    err = one_error_line(run_cli("init", "p", cwd=tmp_path))
    assert "Permission denied" in err
    assert list(tmp_path.iterdir()) == []


# --- Every failure is one line ------------------------------------------------------


def test_long_names_loops_and_encodings_are_one_line(run_cli, tmp_path):
    one_error_line(run_cli("new", "simple", "Block", "-o", "b" * 300, cwd=tmp_path))
    (tmp_path / "loop").symlink_to("loop")
    one_error_line(run_cli("new", "simple", "Block", "-o", "loop/x", cwd=tmp_path))
    one_error_line(run_cli("new", "simple", "Block", "-p", "a\nb:int", cwd=tmp_path))
    err = one_error_line(run_cli("new", "simple", "Bad\nName", cwd=tmp_path))
    assert "\\n" in err


def test_a_non_utf8_user_file_or_merge_base_is_one_line(
    run_cli, tmp_path, templates_copy
):
    folder = tmp_path / "p"
    folder.mkdir()
    assert (
        run_cli(
            "--templates", str(templates_copy), "new", "simple", "Block", cwd=folder
        ).code
        == 0
    )
    template_change(templates_copy)
    (folder / "block.py").write_bytes(b"\xff\xfe binary")
    err = one_error_line(
        run_cli("--templates", str(templates_copy), "regenerate", cwd=folder)
    )
    assert "not UTF-8" in err
    (folder / "block.py").write_text("x = 1\n")
    base = folder / ".keras-scaffold" / "block.base" / "block.py.orig"
    base.write_bytes(b"\x00\xff")
    one_error_line(
        run_cli("--templates", str(templates_copy), "regenerate", cwd=folder)
    )


def test_black_parse_errors_are_one_line(run_cli, tmp_path, templates_copy):
    path = templates_copy / "simple" / "module.py.jinja"
    text = path.read_text()
    path.write_text(text.replace("    def call(", "    def broken(:\n    def call(", 1))
    err = one_error_line(
        run_cli(
            "--templates", str(templates_copy), "new", "simple", "Block", cwd=tmp_path
        )
    )
    assert "invalid Python" in err


# --- Generated tests of fuzzed-looking declarations pass ------------------------------


def test_odd_declarations_generate_passing_tests(run_cli, tmp_path):
    specs = [
        "x:float:..-1",
        "sizes:ints:..0",
        'mode:choice:not_a_choice,b\\N,c"d=b\\N',
        "count:int:-5..-4",
        'label:str=it\'s "quoted" \\x',
    ]
    args = [arg for spec in specs for arg in ("-p", spec)]
    assert run_cli("new", "simple", "OddBlock", *args, cwd=tmp_path).code == 0
    completed = run_pytest(
        "-x",
        "-k",
        "config or invalid",
        str(tmp_path),
        cwd=tmp_path,
        backend="tensorflow",
    )
    assert completed.returncode == 0, completed.stdout[-3000:]


def test_a_failed_init_force_restores_the_folder(run_cli, tmp_path, monkeypatch):
    import copier

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "README.md").write_text("mine\n")
    (folder / "keep").mkdir()

    def fail(*args, **kwargs):
        (folder / "README.md").write_text("theirs\n")
        (folder / "src" / "p").mkdir(parents=True)
        (folder / "src" / "p" / "__init__.py").write_text("")
        raise copier.errors.CopierError("a template error")

    monkeypatch.setattr(copier, "run_copy", fail)
    one_error_line(run_cli("init", "p", "--force", cwd=tmp_path))
    assert snapshot(folder) == {"README.md": b"mine\n"}
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "keep"]


# --- Records, folder names and hostile files are input too (issue 25) ----------------
#
# Every attack points at files inside the test's own temporary folder: an "outside"
# folder beside the project stands for the rest of the machine.

CODE = "os import system; system('touch PWNED'); from x"
LAYER = REPO / "tests" / "check_fixtures" / "guide_composite_layer_fixed.py"
ADOPT = ("adopt", "blocks.py::CompositeLayer", "--init", '{"hidden_dim": 4}')


def run_process(*args, cwd, timeout=60, memory=None) -> Result:
    """The CLI in its own process: for what could hang or take all memory, which a
    timeout and an address-space limit then turn into a failure."""

    def limit():
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    completed = subprocess.run(
        [sys.executable, "-m", "keras_scaffold", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def no_code_from(text: str, folder: Path) -> None:
    for path, data in snapshot(folder).items():
        if path.endswith(".py"):
            assert text not in data.decode("utf-8", "replace"), path
    assert not list(folder.parent.rglob("PWNED"))


@pytest.fixture
def block(run_cli, tmp_path, templates_copy):
    """A project with one component (`Block`), rendered from a template copy that
    `change()` edits, so that `regenerate` has something to write; and a folder
    beside it that stands for everything outside the project."""
    folder = tmp_path / "project"
    folder.mkdir()
    (tmp_path / "outside").mkdir()

    def cli(*args, cwd=folder):
        return run_cli("--templates", str(templates_copy), *args, cwd=cwd)

    assert cli("new", "simple", "Block", "-p", "mode:choice:a,b=a").code == 0
    return SimpleNamespace(
        root=folder,
        outside=tmp_path / "outside",
        records=folder / ".keras-scaffold",
        cli=cli,
        change=lambda: template_change(templates_copy),
    )


@pytest.mark.parametrize("kind", ["generated", "adopted"])
def test_module_import_in_an_answers_file_is_never_code(run_cli, tmp_path, kind):
    folder = tmp_path / "project"
    folder.mkdir()
    if kind == "generated":
        assert run_cli("new", "simple", "Block", cwd=folder).code == 0
        answers = folder / ".keras-scaffold" / "block.yml"
    else:
        shutil.copy(LAYER, folder / "blocks.py")
        assert run_cli(*ADOPT, cwd=folder).code == 0
        answers = folder / ".keras-scaffold" / "composite_layer.yml"
    data = yaml.safe_load(answers.read_text())
    data["module_import"] = f"{CODE}.{data['module_import']}"
    answers.write_text(yaml.safe_dump(data))
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("regenerate", cwd=folder))
    assert "module_import" in err
    assert snapshot(tmp_path) == before
    no_code_from("system(", folder)


def adopted_answers(run_cli, tmp_path) -> Path:
    """The answers file of the guide's composite layer, adopted in a project."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(LAYER, folder / "blocks.py")
    assert run_cli(*ADOPT, cwd=folder).code == 0
    return folder / ".keras-scaffold" / "composite_layer.yml"


@pytest.mark.parametrize("module", ["json", "antigravity", "_", "blocks.missing"])
def test_an_adopted_record_imports_only_a_module_of_the_project(
    run_cli, tmp_path, module
):
    """A tampered `module_import` that names an installed module (importing
    `antigravity` opens a browser) or none at all is refused: the test file would
    import it, and no linter can place an import of a module that is not there."""
    answers = adopted_answers(run_cli, tmp_path)
    folder = answers.parent.parent
    data = yaml.safe_load(answers.read_text())
    data["module_import"] = module
    answers.write_text(yaml.safe_dump(data))
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("regenerate", cwd=folder))
    assert "module_import" in err and module in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("call_inputs", {"x); import os; (": "inputs"}),
        ("call_inputs", {"ids": {"shape": [3], "dtype": "int32", "max": "5); os"}}),
        ("call_inputs", {"ids": {"shape": ["3)"], "dtype": "float32"}}),
        ("variable_axes", ["1); import os; ("]),
        ("variable_axes", [9]),
    ],
)
def test_adopted_call_inputs_and_axes_are_checked_as_read(
    run_cli, tmp_path, key, value
):
    """They are written into the test as code: a name, a size or a bound that is
    not what `adopt` would accept is refused in one line, nothing written."""
    answers = adopted_answers(run_cli, tmp_path)
    folder = answers.parent.parent
    data = yaml.safe_load(answers.read_text())
    data["adopted"][key] = value
    answers.write_text(yaml.safe_dump(data))
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("regenerate", cwd=folder))
    assert f"adopted.{key}" in err
    assert snapshot(tmp_path) == before


LINKED = [
    "block.base/digest",
    "block.base/block.py.orig",
    "block.base/test_block.py.orig",
    "block.base/block.py.theirs",
    "block.base",
    "block.yml",
    ".",  # the records folder itself
]


@pytest.mark.parametrize("linked", LINKED)
@pytest.mark.parametrize("command", ["regenerate", "new --force", "remove"])
def test_links_inside_the_records_are_never_followed(block, linked, command):
    """A record linked to a file outside the project (here, a copy of it) is
    refused: nothing is written or deleted there, nor read from there."""
    path = block.records / linked
    target = block.outside / "elsewhere"
    if path.exists():
        shutil.move(path, target)
    else:
        target.write_text("precious\n")
    path.symlink_to(target)
    block.change()
    outside, inside = snapshot(block.outside), snapshot(block.root)
    if command == "new --force":
        args = ("new", "simple", "Block", "-p", "mode:choice:a,b=a", "--force")
    else:
        args = (command,) if command == "regenerate" else (command, "Block")
    err = one_error_line(block.cli(*args))
    assert "is a symbolic link" in err
    assert snapshot(block.outside) == outside
    assert snapshot(block.root) == inside
    assert path.is_symlink()


@pytest.mark.parametrize(
    "planted", ["pyproject.toml", ".git/config", "notes.txt", "linked/precious.txt"]
)
def test_remove_deletes_only_the_files_the_answers_place(block, planted):
    """A merge base that names other files (with their very contents) does not
    make `remove` delete them, nor a file outside through a linked folder."""
    (block.outside / "precious.txt").write_text("mine\n")
    (block.root / "linked").symlink_to(block.outside)
    target = block.root / planted
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_text("mine\n")
    base = block.records / "block.base" / f"{planted}.orig"
    base.parent.mkdir(parents=True, exist_ok=True)
    base.write_text("mine\n")
    result = block.cli("remove", "Block")
    assert result.code == 0, result.err
    assert target.read_text() == "mine\n"
    assert (block.outside / "precious.txt").read_text() == "mine\n"
    assert not (block.root / "block.py").exists()
    assert not (block.records / "block.base").exists()


def test_a_package_folder_named_as_code_never_reaches_the_adopted_tests(
    run_cli, tmp_path
):
    package = tmp_path / "os import system;system('touch PWNED');from json"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(LAYER, package / "blocks.py")
    before = snapshot(tmp_path)
    target = f"{package.name}/blocks.py::CompositeLayer"
    err = one_error_line(run_cli("adopt", target, *ADOPT[2:], cwd=tmp_path))
    assert "not a dotted Python name" in err
    assert snapshot(tmp_path) == before
    no_code_from("system(", tmp_path)


def test_a_project_folder_named_as_code_never_reaches_the_tests(run_cli, tmp_path):
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    evil = project / "src" / "proj" / "os import system;system('touch PWNED');from json"
    evil.mkdir()
    (evil / "__init__.py").write_text("")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert 'layers = "src/proj/layers"' in text
    pyproject.write_text(text.replace("src/proj/layers", f"src/proj/{evil.name}"))
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("new", "simple", "Block", cwd=project))
    assert "not a dotted Python name" in err
    assert snapshot(tmp_path) == before


def bomb(anchor: str) -> str:
    """YAML whose `*{anchor}` stands for 10**9 elements, in a few hundred bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("class_name", "*a8"),
        ("params", "[{name: mode, type: choice, choices: [a, b], default: *a8}]"),
    ],
)
def test_a_yaml_alias_bomb_is_refused_in_one_short_line(block, key, value):
    answers = block.records / "block.yml"
    lines = [
        f"{key}: {value}" if line.startswith(f"{key}:") else line
        for line in answers.read_text().splitlines()
        if not line.startswith((" ", "-"))  # the recorded params' other lines
    ]
    answers.write_text(bomb("a8") + "\n".join(lines) + "\n")
    before = snapshot(block.root)
    result = run_process("regenerate", cwd=block.root, timeout=60, memory=1 << 30)
    one_error_line(result)
    assert len(result.err) < 300
    assert snapshot(block.root) == before


def test_duplicate_keys_in_an_answers_file_are_one_line(block):
    answers = block.records / "block.yml"
    answers.write_text(answers.read_text() + "class_name: Block\n")
    block.change()
    before = snapshot(block.root)
    err = one_error_line(block.cli("regenerate"))
    assert "class_name" in err and "twice" in err
    assert snapshot(block.root) == before


@pytest.mark.parametrize(
    "value", ["2020-01-01", "!!binary aGVsbG8=", "!!set {a, b}", ".nan", "-.inf"]
)
def test_adopted_values_that_are_not_json_are_one_line(run_cli, tmp_path, value):
    shutil.copy(LAYER, tmp_path / "blocks.py")
    assert run_cli(*ADOPT, cwd=tmp_path).code == 0
    answers = tmp_path / ".keras-scaffold" / "composite_layer.yml"
    text = answers.read_text()
    assert "    hidden_dim: 4\n" in text
    answers.write_text(
        text.replace("    hidden_dim: 4\n", f"    hidden_dim: {value}\n")
    )
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("regenerate", cwd=tmp_path))
    assert "adopted.init" in err
    assert snapshot(tmp_path) == before


SETTINGS = """\
[tool.keras-scaffold]
package = "proj"
layers = "src/proj/layers"
models = "src/proj/models"
tests = "tests"
"""


@pytest.mark.parametrize(
    "pyproject",
    [
        "tool = 1\n",
        "[tool]\nkeras-scaffold = 1\n",
        SETTINGS.replace("src/proj/layers", "src/\\u0000/layers"),
        SETTINGS.replace("src/proj/layers", ".keras-scaffold"),
        SETTINGS.replace('"tests"', '".keras-scaffold/tests"'),
        SETTINGS.replace("src/proj/layers", "./.keras-scaffold/../.keras-scaffold"),
    ],
)
def test_project_settings_that_cannot_work_are_one_line(run_cli, tmp_path, pyproject):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / ".keras-scaffold").mkdir()
    before = snapshot(tmp_path)
    one_error_line(run_cli("new", "simple", "Block", cwd=tmp_path))
    assert snapshot(tmp_path) == before
    assert list((tmp_path / ".keras-scaffold").iterdir()) == []


@pytest.mark.parametrize("record", ["block.yml", "block.base/block.py.orig"])
@pytest.mark.parametrize("command", ["regenerate", "remove"])
@pytest.mark.parametrize("special", ["fifo", "huge"])
def test_special_record_files_are_refused_without_reading_them(
    block, record, command, special
):
    """A FIFO (which would block a reader forever) or a file far larger than any
    record (a sparse one here, as /dev/zero would be) is one line, promptly."""
    path = block.records / record
    path.unlink()
    if special == "fifo":
        os.mkfifo(path)
    else:
        with open(path, "wb") as file:
            file.truncate(3 << 30)
    block.change()
    args = ("regenerate",) if command == "regenerate" else ("remove", "block")
    result = run_process(
        "--templates",
        str(block.root.parent / "templates"),
        *args,
        cwd=block.root,
        timeout=60,
        memory=1 << 30,
    )
    err = one_error_line(result)
    assert record.rpartition("/")[2] in err


@pytest.mark.parametrize(
    "answer",
    [
        "package_name=my_layers\n",
        "distribution_name=my-layers\n",
        "author=Ada\rLovelace",
        "author=Ada\x1b[31m",
        "author=Ada\tLovelace",
        "package_name=os",
        "package_name=json",
        "package_name=typing",
        "package_name=re",
    ],
)
def test_init_refuses_answers_that_would_break_the_project(run_cli, tmp_path, answer):
    one_error_line(run_cli("init", "p", "--data", answer, cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_folder_name_that_shadows_the_standard_library(
    run_cli, tmp_path
):
    err = one_error_line(run_cli("init", "json", cwd=tmp_path))
    assert "json" in err
    assert list(tmp_path.iterdir()) == []


# --- Low: line endings, exports, interrupts and usage ----------------------------


def test_remove_keeps_the_exports_line_endings_and_reports_a_damaged_block(
    run_cli, tmp_path
):
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    assert run_cli("new", "simple", "Block", cwd=project).code == 0
    assert run_cli("new", "simple", "Other", cwd=project).code == 0
    init = project / "src" / "proj" / "layers" / "__init__.py"
    init.write_bytes(init.read_bytes().replace(b"\n", b"\r\n"))
    result = run_cli("remove", "Other", cwd=project)
    assert result.code == 0, result.err
    data = init.read_bytes()
    assert b"import Other" not in data and b"import Block as Block\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    init.write_bytes(
        data.replace(b"Block as Block\r\n", b"Block as Block\r\nimport os\r\n")
    )
    before = snapshot(project)
    err = one_error_line(run_cli("remove", "Block", cwd=project))
    assert "import os" in err
    assert snapshot(project) == before


def test_regenerate_keeps_cr_line_endings_and_refuses_mixed_ones(block):
    module = block.root / "block.py"
    text = module.read_bytes()
    module.write_bytes(text.replace(b"\n", b"\r"))
    block.change()
    result = block.cli("regenerate")
    assert result.code == 0, result.err
    data = module.read_bytes()
    assert b"# A template change.\r" in data and b"\n" not in data
    again = block.cli("regenerate")
    assert again.code == 0 and "up to date" in again.out, again.out + again.err
    # Mixed endings: rewriting the file would change lines the user did not.
    module.write_bytes(text.replace(b"\n", b"\r\n", 3))
    (block.root.parent / "templates" / "simple" / "module.py.jinja").write_text(
        (block.root.parent / "templates" / "simple" / "module.py.jinja")
        .read_text()
        .replace("# A template change.", "# Another template change.")
    )
    before = snapshot(block.root)
    err = one_error_line(block.cli("regenerate"))
    assert "line endings" in err
    assert snapshot(block.root) == before


INTERRUPTED_IMPORT = """
import builtins
real = builtins.__import__
def interrupted(name, *args, **kwargs):
    if name == "click":  # Ctrl-C while the command is still starting
        raise KeyboardInterrupt
    return real(name, *args, **kwargs)
builtins.__import__ = interrupted
from keras_scaffold.__main__ import main
main()
"""


def test_ctrl_c_while_starting_is_one_line(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT, "list"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode != 0
    assert completed.stderr == "keras-scaffold: aborted\n"


@pytest.mark.parametrize("select", ["", ",", " "])
def test_check_select_naming_no_rule_is_a_usage_error(run_cli, tmp_path, select):
    (tmp_path / "layer.py").write_text("x = 1\n")
    err = one_error_line(
        run_cli("check", "--select", select, "layer.py", cwd=tmp_path), 2
    )
    assert "names no rule" in err


def test_new_without_a_class_name_off_a_terminal_is_a_usage_error(run_cli, tmp_path):
    err = one_error_line(run_cli("new", "composite", cwd=tmp_path), 2)
    assert "CLASS_NAME" in err
    assert snapshot(tmp_path) == {}


def test_new_over_the_same_component_is_refused(run_cli, tmp_path):
    assert run_cli("new", "simple", "Block", cwd=tmp_path).code == 0
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("new", "simple", "Block", cwd=tmp_path))
    assert "already exist" in err and "--force" in err
    assert snapshot(tmp_path) == before
    assert run_cli("new", "simple", "Block", "--force", cwd=tmp_path).code == 0


def test_a_digest_file_cannot_pass_one_files_base_off_as_another(block):
    """The digest file maps each file to the digest of its unformatted text, so
    that black runs only on what changed; rotated, it would pair one file's
    unformatted text with another's merge base, which `regenerate` would then
    write in its place."""
    digest = block.records / "block.base" / "digest"
    fingerprint, *lines = digest.read_text().splitlines()
    pairs = [line.split(" ", 1) for line in lines]
    paths = [path for _, path in pairs]
    rotated = zip(pairs, paths[1:] + paths[:1], strict=True)
    digest.write_text(
        "\n".join([fingerprint, *(f"{d} {path}" for (d, _), path in rotated)]) + "\n"
    )
    block.change()  # the module's template only: the test file renders as before
    test_file = (block.root / "test_block.py").read_bytes()
    result = block.cli("regenerate")
    assert result.code == 0, result.err
    assert (block.root / "test_block.py").read_bytes() == test_file
    assert b"# A template change." in (block.root / "block.py").read_bytes()


def test_a_merge_base_is_never_taken_for_the_new_generation(block):
    """A file whose template output did not change keeps its formatting from its
    merge base (black runs only on what changed); a tampered base must not pass
    for that formatting, or its code would be merged into the user's file."""
    base = block.records / "block.base"
    test_file = block.root / "test_block.py"
    (base / "test_block.py.orig").write_text("import os\n\nos.system('touch PWNED')\n")
    # A conflict resolved: the pending generation becomes the base, here the
    # user's file as it is, so that the user's file takes the new generation.
    (base / "test_block.py.theirs").write_bytes(test_file.read_bytes())
    block.change()
    result = block.cli("regenerate")
    assert result.code == 0, result.err
    assert b"PWNED" not in test_file.read_bytes()
    compile(test_file.read_text(), "test_block.py", "exec")


def test_a_folder_name_that_is_not_utf8_is_printed_escaped(run_cli, tmp_path):
    name = os.fsdecode(b"layers\xff\tx")  # a byte no UTF-8 decoder accepts
    result = run_cli("new", "simple", "Block", "-o", name, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "create  layers\\udcff\\tx/block.py" in result.out


# --- A cloned repository cannot make regenerate write elsewhere (issue 33) -----------
#
# The links point only at files inside the test's own temporary folder: `outside`,
# beside the project, stands for the rest of the machine.

PLANTED = "[core]\n\tfsmonitor = touch PWNED\n"


@pytest.mark.parametrize(
    "planted",
    ["pyproject.toml", ".git/config", "other_block.py", "test_other_block.py"],
)
def test_a_merge_base_of_a_file_the_component_does_not_generate_is_ignored(
    block, planted
):
    """Case 1: a `.orig` and a `.theirs` (a copy of the file as it is) planted in a
    component's merge base, its digest as `new` wrote it, made `regenerate` write
    the `.orig` over any project file. The merge base is read only at the paths
    the component's pattern and answers give: the others are never read."""
    assert block.cli("new", "simple", "OtherBlock").code == 0
    (block.root / ".git").mkdir()
    (block.root / ".git" / "config").write_text("[core]\n\tbare = false\n")
    (block.root / "pyproject.toml").write_text('[project]\nname = "proj"\n')
    base = block.records / "block.base"
    (base / f"{planted}.orig").parent.mkdir(parents=True, exist_ok=True)
    (base / f"{planted}.orig").write_text(PLANTED)
    (base / f"{planted}.theirs").write_bytes((block.root / planted).read_bytes())
    before, outside = snapshot(block.root), snapshot(block.outside)
    for args in (["regenerate", "--check"], ["regenerate"]):
        result = block.cli(*args)
        assert result.code == 0, result.err
        assert "2 component(s) up to date" in result.out, result.out
    assert snapshot(block.root) == before
    assert snapshot(block.outside) == outside


@pytest.mark.parametrize("changed", [False, True], ids=["same", "changed"])
@pytest.mark.parametrize("name", ["block.py", "test_block.py"])
def test_a_tampered_merge_base_never_puts_its_lines_into_a_generated_file(
    block, name, changed
):
    """A merge base is never a source of lines, with the digest as `new` wrote it
    too: a `.orig` holding code and a `.theirs` equal to the file on disk (a
    conflict resolved, as it says) made `regenerate` take the `.orig` for the
    new generation and write it. Now the templates are rendered whenever a
    generation is pending, and what is written comes from the user's file or the
    render."""
    base = block.records / "block.base"
    target = block.root / name
    (base / f"{name}.orig").write_text("import os\n\nos.system('touch PWNED')\n")
    (base / f"{name}.theirs").write_bytes(target.read_bytes())
    if changed:
        block.change()
    result = block.cli("regenerate")
    assert result.code == 0, result.err
    for path, data in snapshot(block.root).items():
        assert b"PWNED" not in data or path.endswith(".orig"), path
    compile(target.read_text(), name, "exec")
    assert block.cli("regenerate", "--check").code == 0


def link_outside(block, name: str = "block.py") -> Path:
    """`name` in the project replaced by a link to `../outside/victim.py`, which
    holds what the file held."""
    victim = block.outside / "victim.py"
    shutil.move(block.root / name, victim)
    (block.root / name).symlink_to(os.path.relpath(victim, (block.root / name).parent))
    return victim


NEW_BLOCK = ("new", "simple", "Block", "-p", "mode:choice:a,b=a")


@pytest.mark.parametrize(
    "args",
    [
        ("regenerate",),
        ("regenerate", "--check"),
        (*NEW_BLOCK, "--force"),
        (*NEW_BLOCK,),
    ],
)
def test_a_generated_file_linking_outside_is_never_written_through(block, args):
    """Case 2: with `block.py` a link to `../outside/victim.py`, a template change
    and `regenerate` (or `new --force`) wrote the change into the outside file.
    Refused in one line naming the link; nothing written anywhere."""
    victim = link_outside(block)
    block.change()
    before, outside = snapshot(block.root), snapshot(block.outside)
    err = one_error_line(block.cli(*args), 1)
    assert "block.py is a symbolic link" in err and "outside" in err, err
    assert snapshot(block.root) == before
    assert snapshot(block.outside) == outside
    assert (block.root / "block.py").is_symlink() and victim.is_file()


def test_adopt_force_never_writes_through_a_link_outside(run_cli, tmp_path):
    """Case 2 for `adopt --force`: its test file linked outside the project."""
    folder = tmp_path / "project"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    shutil.copy(LAYER, folder / "blocks.py")
    assert run_cli(*ADOPT, cwd=folder).code == 0
    victim = tmp_path / "outside" / "victim.py"
    victim.write_text("mine\n")
    (folder / "test_composite_layer.py").unlink()
    (folder / "test_composite_layer.py").symlink_to("../outside/victim.py")
    before = snapshot(tmp_path)
    err = one_error_line(run_cli(*ADOPT, "--force", cwd=folder), 1)
    assert "test_composite_layer.py is a symbolic link" in err, err
    assert snapshot(tmp_path) == before
    assert victim.read_text() == "mine\n"


@pytest.mark.parametrize("command", ["new", "remove"])
def test_an_exports_file_linking_outside_is_never_written_through(
    run_cli, tmp_path, command
):
    """`new` and `remove` update `__init__.py` in a project: linked outside the
    project, it is refused in one line naming the link, nothing written."""
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    if command == "remove":
        assert run_cli("new", "simple", "Block", cwd=project).code == 0
    init = project / "src" / "proj" / "layers" / "__init__.py"
    (tmp_path / "outside").mkdir()
    victim = tmp_path / "outside" / "victim.py"
    shutil.move(init, victim)
    init.symlink_to(os.path.relpath(victim, init.parent))
    before = snapshot(tmp_path)
    args = ("new", "simple", "Other") if command == "new" else ("remove", "Block")
    err = one_error_line(run_cli(*args, cwd=project), 1)
    assert "__init__.py is a symbolic link" in err, err
    assert snapshot(tmp_path) == before
    assert init.is_symlink()


@pytest.mark.parametrize(
    "args",
    [
        ("remove", "block.py"),
        ("regenerate", "block.py"),
        ("remove", "Block"),
        ("remove", "Block", "--force"),
        ("remove", "block.py", "--dry-run"),
    ],
)
def test_a_generated_file_linking_outside_is_one_line_for_remove_and_regenerate(
    block, args
):
    """Case 6: `remove block.py` and `regenerate block.py`, the file a link out of
    the project, printed a traceback (`... is not in the subpath of ...`), and
    `remove Block` went on. One line naming the link, exit 1, nothing changed."""
    victim = link_outside(block)
    before, outside = snapshot(block.root), snapshot(block.outside)
    err = one_error_line(block.cli(*args), 1)
    assert "block.py is a symbolic link" in err and "outside" in err, err
    assert snapshot(block.root) == before
    assert snapshot(block.outside) == outside
    assert (block.root / "block.py").is_symlink() and victim.is_file()


@pytest.mark.parametrize("target", ["real_test.py", ".git/config"])
@pytest.mark.parametrize(
    "args", [("regenerate",), ("regenerate", "--check"), (*NEW_BLOCK, "--force")]
)
def test_a_generated_file_linking_inside_is_never_written_through(block, target, args):
    """Links that stay inside the project are treated as git treats them: as
    links, never written through (the file they point to may be any file of the
    project, `pyproject.toml` or `.git/config`). Refused in one line naming the
    link; nothing written, the link stays."""
    linked = block.root / "test_block.py"
    real = block.root / target
    real.parent.mkdir(exist_ok=True)
    shutil.move(linked, real)
    linked.symlink_to(target)
    block.change()
    before = snapshot(block.root)
    err = one_error_line(block.cli(*args), 1)
    assert "test_block.py is a symbolic link" in err, err
    assert snapshot(block.root) == before
    assert linked.is_symlink()


def test_remove_deletes_a_link_inside_the_project_only_with_force(block):
    """A link at a generated file's path is not the file keras-scaffold generated:
    `remove` refuses it unless --force, which deletes the link, never what it
    points to."""
    real = block.root / "real_test.py"
    shutil.move(block.root / "test_block.py", real)
    (block.root / "test_block.py").symlink_to(real.name)
    before = snapshot(block.root)
    err = one_error_line(block.cli("remove", "Block"), 1)
    assert "test_block.py" in err and "symbolic link" in err, err
    assert snapshot(block.root) == before
    result = block.cli("remove", "Block", "--force")
    assert result.code == 0, result.err
    assert not (block.root / "test_block.py").is_symlink()
    assert real.read_bytes() == before["real_test.py"]


def test_a_pyproject_linking_outside_is_refused_before_anything_is_written(
    run_cli, tmp_path, templates_copy
):
    """`--templates` given in a project is recorded in its pyproject.toml, after
    the component is written: linked out of the project, it is refused first, in
    one line, with nothing written."""
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    (tmp_path / "outside").mkdir()
    victim = tmp_path / "outside" / "pyproject.toml"
    shutil.move(project / "pyproject.toml", victim)
    (project / "pyproject.toml").symlink_to(os.path.relpath(victim, project))
    before = snapshot(tmp_path)
    args = ("--templates", str(templates_copy), "new", "simple", "Block")
    err = one_error_line(run_cli(*args, cwd=project), 1)
    assert "pyproject.toml is a symbolic link" in err, err
    assert snapshot(tmp_path) == before


def test_a_folder_linked_inside_the_project_is_written_in_place(
    run_cli, tmp_path, templates_copy
):
    """A folder on the way that is a link staying inside the project (`tests`
    linked to `real_tests`) is followed: `new` and `regenerate` write there, and
    the link stays."""
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    shutil.move(project / "tests", project / "real_tests")
    (project / "tests").symlink_to("real_tests")

    def cli(*args):
        return run_cli("--templates", str(templates_copy), *args, cwd=project)

    assert cli("new", "simple", "Block").code == 0
    written = project / "real_tests" / "test_block.py"
    assert written.is_file() and not written.is_symlink()
    shared = templates_copy / "_shared" / "test_layer.py.jinja"
    shared.write_text(shared.read_text() + "# more\n")
    result = cli("regenerate")
    assert result.code == 0, result.err
    assert written.read_text().endswith("# more\n")
    assert (project / "tests").is_symlink()
