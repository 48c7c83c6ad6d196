"""The CLI: what `list` and `new` print and write, and how bad input is refused."""

import subprocess
import sys

import pytest
from conftest import PATTERNS, snapshot

from keras_scaffold.templates import Templates


def test_list_prints_every_pattern_with_its_summary(run_cli, tmp_path):
    result = run_cli("list", cwd=tmp_path)
    assert result.code == 0
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == PATTERNS
    patterns = Templates().patterns.values()
    for line, pattern in zip(lines, patterns, strict=True):
        assert pattern.summary in line
    assert set(PATTERNS) >= {
        "simple",
        "composite",
        "orchestration",
        "model",
        "normalization",
        "stateful",
        "dynamic",
        "transformer",
    }


def test_new_writes_module_tests_and_answers_and_says_so(run_cli, tmp_path):
    result = run_cli("new", "simple", "ScaledDense", cwd=tmp_path)
    assert result.code == 0, result.err
    written = {
        "scaled_dense.py",
        "test_scaled_dense.py",
        "keras_scaffold_checks.py",
        "keras_scaffold_support.py",
        ".keras-scaffold/scaled_dense.yml",
    }
    for name in written:
        assert name in result.out
    # Beside them, the merge bases `regenerate` needs, under .keras-scaffold/.
    base = ".keras-scaffold/scaled_dense.base/"
    records = {f"{base}digest", f"{base}scaled_dense.py.orig"}
    records.add(f"{base}test_scaled_dense.py.orig")
    records.add(f"{base}keras_scaffold_checks.py.orig")
    records.add(f"{base}keras_scaffold_support.py.orig")
    assert set(snapshot(tmp_path)) == written | records
    # Issue 36, 8: the merge base folder is named, once, after the answers file.
    assert result.out.split()[:4] == [
        "create",
        ".keras-scaffold/scaled_dense.yml",
        "create",
        base,
    ]
    assert f"{base}digest" not in result.out
    module = (tmp_path / "scaled_dense.py").read_text()
    assert "class ScaledDense(keras.layers.Layer):" in module
    # The package is derived from the output folder's name, never Keras's default.
    assert f'register_keras_serializable(package="{tmp_path.name}")' in module


def test_new_registers_under_the_enclosing_python_package(run_cli, tmp_path):
    package = tmp_path / "mylib" / "layers"
    package.mkdir(parents=True)
    (tmp_path / "mylib" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    result = run_cli("new", "simple", "Projection", "-o", str(package), cwd=tmp_path)
    assert result.code == 0, result.err
    module = (package / "projection.py").read_text()
    assert 'register_keras_serializable(package="mylib.layers")' in module


def test_package_option_wins(run_cli, tmp_path):
    result = run_cli(
        "new", "simple", "Projection", "--package", "acme.nn", cwd=tmp_path
    )
    assert result.code == 0, result.err
    module = (tmp_path / "projection.py").read_text()
    assert 'register_keras_serializable(package="acme.nn")' in module


def test_pattern_help_describes_the_pattern_with_an_example(run_cli, tmp_path):
    for name, pattern in Templates().patterns.items():
        result = run_cli("new", name, "--help", cwd=tmp_path)
        assert result.code == 0
        assert f"keras-scaffold new {name} " in result.out
        assert pattern.usage.split()[0] in result.out
        assert "--dry-run" in result.out and "--force" in result.out
    assert snapshot(tmp_path) == {}


def test_dry_run_lists_the_files_and_writes_nothing(run_cli, tmp_path):
    result = run_cli("new", "simple", "ScaledDense", "--dry-run", cwd=tmp_path)
    assert result.code == 0
    assert "would create" in result.out and "scaled_dense.py" in result.out
    assert snapshot(tmp_path) == {}


def test_existing_files_are_refused_and_left_untouched(run_cli, tmp_path):
    (tmp_path / "scaled_dense.py").write_text("# my own work\n")
    before = snapshot(tmp_path)
    result = run_cli("new", "simple", "ScaledDense", cwd=tmp_path)
    assert result.code != 0
    assert "already exist" in result.err and "--force" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_force_overwrites(run_cli, tmp_path):
    (tmp_path / "scaled_dense.py").write_text("# my own work\n")
    result = run_cli("new", "simple", "ScaledDense", "--force", cwd=tmp_path)
    assert result.code == 0
    assert "overwrite" in result.out
    assert "class ScaledDense" in (tmp_path / "scaled_dense.py").read_text()


@pytest.mark.parametrize(
    ("class_name", "message"),
    [
        ("class", "not a valid Python class name"),
        ("9Lives", "not a valid Python class name"),
        ("my-block", "Try `MyBlock`"),
        ("my_block", "try `MyBlock`"),
        ("myBlock", "try `MyBlock`"),
        ("Dense", "shadows the Keras built-in"),
        ("Layer", "shadows the Keras built-in"),
        ("Json", "would shadow"),
    ],
)
def test_bad_class_names_are_refused(run_cli, tmp_path, class_name, message):
    result = run_cli("new", "simple", class_name, cwd=tmp_path)
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}


def test_unknown_pattern_names_the_patterns_and_the_closest(run_cli, tmp_path):
    result = run_cli("new", "compsite", "MyBlock", cwd=tmp_path)
    assert result.code == 2
    assert "Unknown pattern `compsite`" in result.err
    assert "Did you mean `composite`?" in result.err
    assert all(name in result.err for name in PATTERNS)
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}


def test_output_that_is_a_file_is_refused(run_cli, tmp_path):
    (tmp_path / "out").write_text("not a folder\n")
    before = snapshot(tmp_path)
    result = run_cli("new", "simple", "ScaledDense", "--output", "out", cwd=tmp_path)
    assert result.code != 0
    assert "is a file" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_missing_class_name_is_one_line(run_cli, tmp_path):
    result = run_cli("new", "simple", "ScaledDense", "--bogus", cwd=tmp_path)
    assert result.code == 2
    assert "--bogus" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_template_failing_half_way_writes_nothing(run_cli, tmp_path, templates_copy):
    # The test template is rendered after the module: break it.
    test_template = templates_copy / "simple" / "test_module.py.jinja"
    broken = test_template.read_text().replace(
        "{% block build_checks %}", "{% block build_checks %}{{ no_such_macro() }}"
    )
    test_template.write_text(broken)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "--templates", str(templates_copy), "new", "simple", "ScaledDense", cwd=out
    )
    assert result.code != 0
    assert "cannot render" in result.err
    assert snapshot(out) == {}


def test_a_write_failing_half_way_is_rolled_back(run_cli, tmp_path, fail_nth_write):
    (tmp_path / "test_scaled_dense.py").write_text("# keep me\n")
    before = snapshot(tmp_path)
    fail_nth_write(3, OSError(28, "No space left on device"))
    result = run_cli("new", "simple", "ScaledDense", "--force", cwd=tmp_path)
    assert result.code != 0
    assert "No space left on device" in result.err
    assert snapshot(tmp_path) == before


def test_python_m_entry_point_runs(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "keras_scaffold", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.startswith("keras-scaffold, version ")


def test_a_templates_folder_without_patterns_is_one_line(run_cli, tmp_path):
    result = run_cli("--templates", str(tmp_path), "list", cwd=tmp_path)
    assert result.code == 1 and "holds no patterns" in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [(), ("new",)])
def test_no_arguments_show_help(run_cli, tmp_path, args):
    result = run_cli(*args, cwd=tmp_path)
    assert result.code == 0
    assert result.out.startswith("Usage: keras-scaffold") and result.err == ""
    assert snapshot(tmp_path) == {}


def test_components_in_one_folder_share_one_checks_module(run_cli, tmp_path):
    assert run_cli("new", "simple", "ScaledDense", cwd=tmp_path).code == 0
    checks = (tmp_path / "keras_scaffold_checks.py").read_bytes()
    result = run_cli("new", "composite", "MlpBlock", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "keras_scaffold_checks.py" not in result.out  # the same text: untouched
    assert (tmp_path / "keras_scaffold_checks.py").read_bytes() == checks
    assert (tmp_path / "test_mlp_block.py").is_file()
    # A checks module that differs is the user's or an older one: not replaced.
    (tmp_path / "keras_scaffold_checks.py").write_text("# edited\n")
    result = run_cli("new", "model", "MlpClassifier", cwd=tmp_path)
    assert result.code != 0
    assert "keras_scaffold_checks.py" in result.err
    assert not (tmp_path / "mlp_classifier.py").exists()
