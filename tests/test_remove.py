"""`remove`: a component's files, record, merge base and export line go; a file the
user changed stops it unless --force; a file another component shares stays."""

import shutil

import pytest
from conftest import snapshot

MODULE = "scaled_dense.py"


@pytest.fixture
def loose(run_cli, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    assert run_cli("new", "simple", "ScaledDense", cwd=folder).code == 0
    return folder


@pytest.mark.parametrize(
    "name",
    [
        "ScaledDense",
        "scaled_dense",
        MODULE,
        "test_scaled_dense.py",
        ".keras-scaffold/scaled_dense.yml",
    ],
)
def test_remove_takes_everything_new_wrote_and_nothing_else(run_cli, loose, name):
    result = run_cli("remove", name, cwd=loose)
    assert result.code == 0, result.err
    assert snapshot(loose) == {"notes.txt": b"mine\n"}
    assert not (loose / ".keras-scaffold").exists()
    shown = [line.split() for line in result.out.splitlines()]
    assert ["remove", MODULE] in shown and ["remove", "test_scaled_dense.py"] in shown
    assert ["remove", ".keras-scaffold/scaled_dense.yml"] in shown
    # Issue 36, 8: the merge base folder it deletes is named too.
    assert shown[-1] == ["remove", ".keras-scaffold/scaled_dense.base/"]


def test_dry_run_lists_and_deletes_nothing(run_cli, loose):
    before = snapshot(loose)
    result = run_cli("remove", "ScaledDense", "--dry-run", cwd=loose)
    assert result.code == 0, result.err
    assert f"would remove  {MODULE}" in result.out
    assert snapshot(loose) == before


def test_a_changed_file_is_refused_in_one_line_unless_forced(run_cli, loose):
    module = loose / MODULE
    module.write_text(module.read_text() + "# my edit\n")
    before = snapshot(loose)
    result = run_cli("remove", "ScaledDense", cwd=loose)
    assert result.code == 1
    assert f"{MODULE} changed since keras-scaffold generated it" in result.err
    assert "--force" in result.err and len(result.err.strip().splitlines()) == 1
    assert snapshot(loose) == before
    dry = run_cli("remove", "ScaledDense", "--dry-run", cwd=loose)
    assert dry.code == 1 and snapshot(loose) == before
    forced = run_cli("remove", "ScaledDense", "--force", cwd=loose)
    assert forced.code == 0, forced.err
    assert snapshot(loose) == {"notes.txt": b"mine\n"}


def test_a_file_already_deleted_is_not_a_problem(run_cli, loose):
    (loose / "test_scaled_dense.py").unlink()
    result = run_cli("remove", "ScaledDense", cwd=loose)
    assert result.code == 0, result.err
    assert snapshot(loose) == {"notes.txt": b"mine\n"}


@pytest.mark.parametrize("name", ["Missing", "nowhere/missing.py"])
def test_an_unknown_component_is_one_line(run_cli, loose, name):
    before = snapshot(loose)
    result = run_cli("remove", name, cwd=loose)
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
    assert "no component `" in result.err and "ScaledDense" in result.err
    assert snapshot(loose) == before


def test_outside_any_records_is_one_line(run_cli, tmp_path):
    result = run_cli("remove", "ScaledDense", cwd=tmp_path)
    assert result.code == 1 and "no .keras-scaffold/" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_folder_of_several_components_is_refused(run_cli, loose):
    assert run_cli("new", "simple", "Other", cwd=loose).code == 0
    before = snapshot(loose)
    result = run_cli("remove", ".", cwd=loose)
    assert result.code == 1 and "2 components" in result.err
    assert snapshot(loose) == before


def test_remove_in_a_project_takes_the_export_line_back(run_cli, tmp_path):
    data = ["--data", "package_name=mylayers"]
    assert run_cli("init", "proj", *data, cwd=tmp_path).code == 0
    root = tmp_path / "proj"
    empty = snapshot(root)
    assert run_cli("new", "simple", "ScaledDense", cwd=root).code == 0
    with_one = snapshot(root)
    assert run_cli("new", "composite", "MlpBlock", cwd=root).code == 0
    result = run_cli("remove", "MlpBlock", cwd=root / "tests")
    assert result.code == 0, result.err
    assert "update  ../src/mylayers/layers/__init__.py" in result.out
    assert snapshot(root) == with_one
    assert run_cli("remove", "scaled_dense", cwd=root).code == 0
    assert snapshot(root) == empty  # folders the project had stay, empty or not


def test_a_file_another_component_generated_is_kept(run_cli, tmp_path, templates_copy):
    shared = (
        templates_copy / "_component" / "{{ tests_dir }}" / "shared_checks.py.jinja"
    )
    shared.write_text('"""Checks every component shares."""\n')
    folder = tmp_path / "work"
    folder.mkdir()

    def run(*args):
        return run_cli("--templates", str(templates_copy), *args, cwd=folder)

    assert run("new", "simple", "ScaledDense").code == 0
    assert run("new", "simple", "Other", "--force").code == 0  # shares the file
    first = run("remove", "ScaledDense")
    assert first.code == 0, first.err
    assert "keep  shared_checks.py  (also generated by other)" in first.out
    assert (folder / "shared_checks.py").is_file()
    assert not (folder / MODULE).exists() and (folder / "other.py").is_file()
    second = run("remove", "Other")
    assert second.code == 0, second.err
    assert "remove  shared_checks.py" in second.out
    assert snapshot(folder) == {}


def test_a_missing_merge_base_is_what_the_answers_give(run_cli, loose):
    shutil.rmtree(loose / ".keras-scaffold" / "scaled_dense.base")
    (loose / "scaled_dense.py").write_text("# mine now\n")
    before = snapshot(loose)
    result = run_cli("remove", "ScaledDense", cwd=loose)
    assert result.code == 1 and "no merge base" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(loose) == before
    forced = run_cli("remove", "ScaledDense", "--force", cwd=loose)
    assert forced.code == 0, forced.err
    assert snapshot(loose) == {"notes.txt": b"mine\n"}


def test_a_shared_file_is_kept_for_a_component_without_a_merge_base(run_cli, loose):
    """Who else generated a file is what the other components' answers give, not
    what their merge bases name: one made by `copier copy` (or whose merge base was
    lost) keeps the checks module its tests import."""
    assert run_cli("new", "simple", "Other", cwd=loose).code == 0
    shutil.rmtree(loose / ".keras-scaffold" / "other.base")
    result = run_cli("remove", "ScaledDense", cwd=loose)
    assert result.code == 0, result.err
    assert "keep  keras_scaffold_checks.py  (also generated by other)" in result.out
    assert (loose / "keras_scaffold_checks.py").is_file()


def test_remove_takes_the_files_the_recorded_templates_place(
    run_cli, tmp_path, templates_copy
):
    """Issue 36, 2: without --templates, the templates that made the component
    (its `_src_path`) say which files are its own, not the built-in ones."""
    folder = templates_copy / "_component" / "{{ tests_dir }}"
    (test,) = [
        path
        for path in folder.iterdir()
        if "test_" in path.name and "checks" not in path.name
    ]
    test.rename(folder / "check_{{ module_name }}.py.jinja")
    work = tmp_path / "work"
    work.mkdir()
    made = run_cli(
        "new", "simple", "ScaledDense", "--templates", str(templates_copy), cwd=work
    )
    assert made.code == 0, made.err
    assert (work / "check_scaled_dense.py").is_file()
    result = run_cli("remove", "ScaledDense", cwd=work)
    assert result.code == 0, result.err
    assert "remove  check_scaled_dense.py" in result.out
    assert snapshot(work) == {}
