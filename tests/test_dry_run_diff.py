"""`regenerate --dry-run` shows a unified diff per file; `--check` only the list."""

import click
import click._compat
import pytest
from conftest import snapshot
from test_regenerate import CALL_LINE, MODULE, SHAPE_LINE, change_template, edit

ESC = "\x1b["


@pytest.fixture
def project(run_cli, tmp_path, templates_copy):
    """A folder with one generated `simple` component, and a runner bound to it."""
    folder = tmp_path / "project"
    folder.mkdir()

    def run(*args: str):
        return run_cli("--templates", str(templates_copy), *args, cwd=folder)

    assert run("new", "simple", "ScaledDense").code == 0
    return folder, templates_copy, run


def test_dry_run_prints_the_merge_as_a_diff_against_the_file_on_disk(project):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    edit(folder / MODULE, SHAPE_LINE, "        # User: shape rule.\n" + SHAPE_LINE)
    before = snapshot(folder)
    result = run("regenerate", "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["would", "merge", MODULE]
    assert f"--- a/{MODULE}" in lines and f"+++ b/{MODULE}" in lines
    assert "+        # Template: project." in lines
    # The user's edit is on disk and stays: the diff does not touch it.
    assert not any(line[:1] in "+-" and "User" in line for line in lines)
    assert any(line.startswith("@@ ") for line in lines)
    assert ESC not in result.out  # not a terminal: plain text
    assert snapshot(folder) == before


def test_dry_run_diff_is_what_regenerate_then_writes(project):
    folder, templates, run = project
    change_template(
        templates,
        RETURN := "        return self.activation(outputs)\n",
        RETURN.rstrip() + "  # template\n",
    )
    edit(folder / MODULE, RETURN, RETURN.rstrip() + " * 2  # user\n")
    dry = run("regenerate", "--dry-run")
    assert dry.code == 1 and "would conflict" in dry.out
    added = [line[1:] for line in dry.out.splitlines() if line.startswith("+ ")]
    assert "<<<<<<< yours" in "\n".join(dry.out.splitlines())
    assert run("regenerate").code == 1
    text = (folder / MODULE).read_text()
    for line in added:
        assert line in text


def test_a_file_the_templates_newly_generate_diffs_from_dev_null(project):
    folder, templates, run = project
    extra = templates / "_component" / "{{ module_dir }}" / "NOTES.md.jinja"
    extra.write_text("Notes on {{ class_name }}.\n")
    result = run("regenerate", "--dry-run")
    assert result.code == 0, result.err
    assert "--- /dev/null" in result.out and "+Notes on ScaledDense." in result.out
    assert not (folder / "NOTES.md").exists()


def test_dry_run_is_colored_on_a_terminal(project, monkeypatch):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    monkeypatch.setattr(click._compat, "isatty", lambda stream: True)
    result = run("regenerate", "--dry-run")
    assert result.code == 0, result.err
    assert click.style("+        # Template: project.", fg="green") in result.out
    assert ESC in result.out


def test_check_lists_files_without_a_diff(project):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    result = run("regenerate", "--check")
    assert result.code == 1
    assert result.out.split() == ["would", "update", MODULE]
    assert "@@" not in result.out and "+++" not in result.out
