"""Shared fixtures: run the real CLI in-process, and locate the shipped templates."""

import io
import json
import keyword
import os
import shutil
import site
import subprocess
import sys
import tempfile
import tokenize
import venv
from pathlib import Path

import copier
import pytest

from keras_scaffold import cache, records, writer
from keras_scaffold.cli import main
from keras_scaffold.project import find_project
from keras_scaffold.templates import Templates, default_templates_dir

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "generated_examples"
PATTERNS = sorted(Templates().patterns)


# `-n auto` (pyproject.toml): at most this many pytest-xdist workers. Each imports
# TensorFlow, JAX and PyTorch (over a GiB), and the suite has too few long files for
# more workers to finish sooner.
MOST_WORKERS = 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    return min(os.cpu_count() or 1, MOST_WORKERS)


# The tests `-m "not slow"` leaves out, for a quick loop while editing: those that
# run Keras (train, save, reload, quantize, shard), make virtual environments, or
# run many hypothesis examples. A file named alone is slow whole; otherwise the
# names (before any `[parameters]`) of its slow tests. `python -m pytest` and
# `.ci/run` run every test.
SLOW = {
    "generated_examples/": None,  # every generated example's own tests
    "tests/test_backends.py": None,
    "tests/test_check_real.py": None,
    "tests/test_check_run.py": None,
    "tests/test_distribution.py": None,
    "tests/test_export_defaults.py": None,
    "tests/test_export_checks.py": {  # those that run generated tests
        "test_a_generated_layer_serves_predicts_outputs_in_every_format",
        "test_an_exact_gelu_skips_the_onnx_check_naming_it",
        "test_served_outputs_that_differ_from_predicts_fail_each_check",
        "test_a_missing_runtime_skips_its_check_with_the_install_hint",
        "test_importing_the_checks_imports_no_export_package",
    },
    "tests/test_fuzz.py": None,
    "tests/test_keras_harness.py": None,
    "tests/test_masking.py": None,
    "tests/test_project.py": None,
    "tests/test_project_ci.py": None,
    "tests/test_quantize.py": None,
    "tests/test_shard.py": None,
    "tests/test_adopt.py": {
        "test_a_test_written_inside_a_package_is_collected_by_plain_pytest",
        "test_adopt_in_a_sub_folder_of_a_folder_with_records",
        "test_adopt_writes_a_passing_test_file_that_regenerate_keeps_current",
    },
    "tests/test_declarations.py": {  # those that run the generated tests
        "test_a_nested_layer_is_saved_by_a_model_saved_before_its_first_call",
        "test_the_docstring_example_follows_the_declaration",
        "test_the_issues_declarations_give_tests_that_pass",
    },
    "tests/test_docs.py": {"test_every_command_in_the_page_runs"},
    "tests/test_formatting.py": {
        "test_every_pattern_formats_as_black_formats_the_whole_file",
        "test_keras_own_source_formats_as_black_formats_it",
    },
    "tests/test_params.py": {
        "test_every_type_saves_and_reloads_with_non_default_values",
        "test_the_issue_example_generates_passing_code",
        "test_optional_numbers_generate_passing_code",
    },
    "tests/test_safety.py": {"test_odd_declarations_generate_passing_tests"},
    "tests/test_checks_module.py": {
        "test_a_loose_folder_runs_its_tests_without_the_backends_deprecation_noise"
    },
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path).resolve().relative_to(REPO).as_posix()
        for prefix, names in SLOW.items():
            if path.startswith(prefix) and (
                names is None or item.originalname in names
            ):
                item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    """The tests keep keras-scaffold's cache in a folder of their own, emptied for
    each run, so that no entry of another run (or of a user's) serves them.

    keras-scaffold looks for records and projects in every folder above the one
    it runs in, as git does, so a `.keras-scaffold/` folder or a project left above
    pytest's temporary folders (from `new` run in /tmp, say) would take the tests'
    files: stop with one line that says which, before any test runs."""
    temporary = config.option.basetemp or os.environ.get(
        "PYTEST_DEBUG_TEMPROOT", tempfile.gettempdir()
    )
    base = Path(temporary).resolve()
    project = find_project(base)
    found = records.find_root(base) or (project.root if project else None)
    if found:
        raise pytest.UsageError(
            f"{found} holds keras-scaffold records or a project, above pytest's "
            f"temporary folders in {base}: move it, or run with --basetemp elsewhere."
        )
    folder = tempfile.mkdtemp(prefix="keras-scaffold-cache-")
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ[cache.ENVIRONMENT_VARIABLE] = folder


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def names_in(source: str) -> set[str]:
    """The names a Python source uses (keywords aside)."""
    return {
        token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.NAME and not keyword.iskeyword(token.string)
    }


def run_main(args: list[str], cwd: Path, capsys) -> tuple[int, str, str]:
    """`keras-scaffold ARGS` in `cwd`, in this process: exit code, stdout, stderr.
    For hypothesis tests, which cannot take a function-scoped `run_cli`."""
    old = Path.cwd()
    os.chdir(cwd)
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(old)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run `keras-scaffold ARGS...` in `cwd`, returning exit code, stdout, stderr."""

    def run(*args: str, cwd: Path) -> Result:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def templates_copy(tmp_path) -> Path:
    """A private copy of the shipped templates, outside any git repository."""
    target = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), target)
    return target


@pytest.fixture
def marked_templates(templates_copy):
    """The templates with a visible mark in the list, the module and the project."""
    spec = templates_copy / "simple" / "pattern.yml"
    spec.write_text(
        spec.read_text().replace("summary: a layer", "summary: MARK a layer")
    )
    module = templates_copy / "simple" / "module.py.jinja"
    module.write_text(
        module.read_text().replace(
            "{% block call %}\n", "{% block call %}\n\n    # MARK template\n", 1
        )
    )
    readme = templates_copy / "project" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nMARK project\n")
    return templates_copy


@pytest.fixture
def fail_nth_write(monkeypatch):
    """Make the nth atomic write raise `error`; the writes before it go through."""

    def arm(n: int, error: BaseException) -> None:
        real_write = writer.write_atomically
        calls = []

        def write(path: Path, text: str, *rest) -> None:
            calls.append(path)
            if len(calls) == n:
                raise error
            real_write(path, text, *rest)

        monkeypatch.setattr(writer, "write_atomically", write)

    return arm


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to show nothing changed."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


COPIED_ANSWERS = ".keras-scaffold/scaled_dense.yml"


def copied(tmp_path, templates):
    """A `simple` component written by `copier copy` alone, and a runner there."""
    folder = tmp_path / "copied"
    copier.run_copy(
        str(templates),
        folder,
        data={"pattern": "simple", "class_name": "ScaledDense", "package": "pkg"},
        answers_file=COPIED_ANSWERS,
        defaults=True,
        quiet=True,
    )
    assert not (folder / ".keras-scaffold" / "scaled_dense.base").exists()
    return folder


def host_venv(folder: Path) -> str:
    """A fresh virtual environment that sees this interpreter's packages (Keras and
    its backends, so no multi-GB download); returns its python."""
    venv.create(folder, with_pip=True)
    python = str(folder / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "host.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def run_pytest(
    *args: str, cwd: Path, backend: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """pytest in a process of its own, in `cwd`, quiet and leaving no cache folder:
    generated tests run as their users run them. `env` replaces this process's
    environment; `backend` sets KERAS_BACKEND in it."""
    env = dict(os.environ if env is None else env)
    if backend:
        env["KERAS_BACKEND"] = backend
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def run_json_script(script: str, folder: Path, backend: str) -> object:
    """What `script` prints last, as JSON, run in a process of its own in `folder`
    (importable there) on `backend`: real Keras runs the fixtures it imports."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def import_path(folder: Path):
    """Put `folder` first on sys.path (generated modules import by name)."""
    sys.path.insert(0, str(folder))
