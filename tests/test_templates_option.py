"""`--templates DIR` is accepted after any command as well as before it."""

import pytest
from conftest import snapshot


@pytest.mark.parametrize("where", ["before", "after"])
def test_list_takes_templates_before_or_after(
    run_cli, tmp_path, marked_templates, where
):
    option = ["--templates", str(marked_templates)]
    args = [*option, "list"] if where == "before" else ["list", *option]
    result = run_cli(*args, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "MARK a layer" in result.out


@pytest.mark.parametrize(
    "args",
    [
        ("--templates", "{T}", "new", "simple", "ScaledDense"),
        ("new", "--templates", "{T}", "simple", "ScaledDense"),
        ("new", "simple", "ScaledDense", "--templates", "{T}"),
        ("new", "simple", "--templates={T}", "ScaledDense"),
    ],
)
def test_new_takes_templates_anywhere(run_cli, tmp_path, marked_templates, args):
    out = tmp_path / "out"
    out.mkdir()
    args = [arg.replace("{T}", str(marked_templates)) for arg in args]
    result = run_cli(*args, cwd=out)
    assert result.code == 0, result.err
    assert "# MARK template" in (out / "scaled_dense.py").read_text()


def test_regenerate_takes_templates_after_the_command(
    run_cli, tmp_path, marked_templates
):
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("new", "simple", "ScaledDense", cwd=out).code == 0
    assert "# MARK" not in (out / "scaled_dense.py").read_text()
    result = run_cli("regenerate", "--templates", str(marked_templates), cwd=out)
    assert result.code == 0, result.err
    assert "# MARK template" in (out / "scaled_dense.py").read_text()


def test_init_takes_templates_after_the_command(run_cli, tmp_path, marked_templates):
    result = run_cli("init", "proj", "--templates", str(marked_templates), cwd=tmp_path)
    assert result.code == 0, result.err
    assert "MARK project" in (tmp_path / "proj" / "README.md").read_text()


def test_every_command_shows_templates_in_its_help(run_cli, tmp_path):
    for command in (["list"], ["new"], ["new", "simple"], ["init"], ["regenerate"]):
        result = run_cli(*command, "--help", cwd=tmp_path)
        assert result.code == 0 and "--templates" in result.out, command
    assert snapshot(tmp_path) == {}


def test_a_missing_templates_folder_after_the_command_is_one_line(run_cli, tmp_path):
    result = run_cli("regenerate", "--templates", "nowhere", cwd=tmp_path)
    assert result.code == 2 and "nowhere" in result.err
    assert len(result.err.strip().splitlines()) == 1
