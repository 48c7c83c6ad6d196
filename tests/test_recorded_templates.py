"""`--templates` given once inside a project is recorded in its
`[tool.keras-scaffold]`, relative to the project, and every later command there
renders from it without the option (as the pre-commit hook runs)."""

import pytest
from conftest import snapshot
from test_regenerate import CALL_LINE, change_template

from keras_scaffold.project import find_project
from keras_scaffold.templates import default_templates_dir


def recorded(project) -> str | None:
    return find_project(project).templates


@pytest.fixture
def project(run_cli, tmp_path):
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    return tmp_path / "proj"


def test_new_records_the_templates_and_later_commands_use_them(
    run_cli, project, marked_templates
):
    args = ("--templates", str(marked_templates))
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "# my own last line\n")
    assert run_cli("new", "simple", "ScaledDense", *args, cwd=project).code == 0
    assert recorded(project) == "../templates"
    assert "\n# my own last line\n" in pyproject.read_text()  # the rest is kept
    # No option from now on: the pre-commit hook's command, and the others.
    assert run_cli("regenerate", "--check", cwd=project).code == 0
    assert "MARK a layer" in run_cli("list", cwd=project).out
    assert run_cli("new", "simple", "Other", cwd=project / "src").code == 0
    other = project / "src" / "proj" / "layers" / "other.py"
    assert "# MARK template" in other.read_text()
    assert run_cli("remove", "Other", cwd=project).code == 0


def test_regenerate_records_the_templates(run_cli, project, marked_templates):
    assert run_cli("new", "simple", "ScaledDense", cwd=project).code == 0
    result = run_cli("regenerate", "--templates", str(marked_templates), cwd=project)
    assert result.code == 0 and "updated" in result.out, result.err
    assert recorded(project) == "../templates"
    assert run_cli("regenerate", "--check", cwd=project).code == 0


def test_check_and_dry_run_record_nothing(run_cli, project, marked_templates):
    assert run_cli("new", "simple", "ScaledDense", cwd=project).code == 0
    before = snapshot(project)
    for preview in ("--check", "--dry-run"):
        run_cli(
            "regenerate", preview, "--templates", str(marked_templates), cwd=project
        )
        assert snapshot(project) == before
    dry = ("new", "simple", "Other", "--dry-run", "--templates", str(marked_templates))
    assert run_cli(*dry, cwd=project).code == 0
    assert snapshot(project) == before


def test_init_records_the_templates_it_was_made_from(
    run_cli, tmp_path, marked_templates
):
    result = run_cli("init", "proj", "--templates", str(marked_templates), cwd=tmp_path)
    assert result.code == 0, result.err
    project = tmp_path / "proj"
    assert recorded(project) == "../templates"
    assert run_cli("new", "simple", "ScaledDense", cwd=project).code == 0
    module = project / "src" / "proj" / "layers" / "scaled_dense.py"
    assert "# MARK template" in module.read_text()


def test_the_built_in_templates_given_again_unrecord_others(
    run_cli, project, marked_templates
):
    assert run_cli("--templates", str(marked_templates), "list", cwd=project).code == 0
    assert recorded(project) is None  # list writes nothing
    new = ("new", "simple", "ScaledDense", "--templates", str(marked_templates))
    assert run_cli(*new, cwd=project).code == 0
    built_in = ("--templates", str(default_templates_dir()))
    assert run_cli("new", "simple", "Other", *built_in, cwd=project).code == 0
    assert recorded(project) is None
    # Each component renders from the templates that made it (issue 36, 2).
    assert run_cli("regenerate", "--check", cwd=project).code == 0
    module = project / "src" / "proj" / "layers"
    assert "# MARK template" in (module / "scaled_dense.py").read_text()
    assert "# MARK template" not in (module / "other.py").read_text()
    # Regenerating a component from other templates is refused, naming both,
    # until its answers file's `_src_path` goes (a deliberate switch).
    refused = run_cli("regenerate", *built_in, cwd=project)
    assert refused.code == 1 and "_src_path" in refused.err
    answers = project / ".keras-scaffold" / "scaled_dense.yml"
    answers.write_text(answers.read_text().replace("_src_path: ../templates\n", ""))
    assert run_cli("regenerate", *built_in, cwd=project).code == 0
    assert "# MARK template" not in (module / "scaled_dense.py").read_text()
    assert "_src_path" not in answers.read_text()


def test_components_made_with_the_environment_variable_keep_its_templates(
    run_cli, project, templates_copy, monkeypatch
):
    """Issue 36, 2: inside a project whose pyproject.toml records no templates,
    components made from KERAS_SCAFFOLD_TEMPLATES (never recorded there) are not
    "up to date" against the built-in templates once the team's change."""
    monkeypatch.setenv("KERAS_SCAFFOLD_TEMPLATES", str(templates_copy))
    for name in ("Alpha", "Beta"):
        assert run_cli("new", "simple", name, cwd=project).code == 0
    monkeypatch.delenv("KERAS_SCAFFOLD_TEMPLATES")
    assert recorded(project) is None
    change_template(templates_copy, CALL_LINE, "        # Team.\n" + CALL_LINE)
    check = run_cli("regenerate", "--check", cwd=project)
    assert check.code == 1 and "up to date" not in check.out, check.out
    assert run_cli("regenerate", cwd=project).code == 0
    for name in ("alpha", "beta"):
        module = project / "src" / "proj" / "layers" / f"{name}.py"
        assert "# Team." in module.read_text()
    assert run_cli("regenerate", "--check", cwd=project).code == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [('"nowhere"', "nowhere"), ("3", "templates"), ('"pyproject.toml"', "folder")],
)
def test_a_recorded_templates_folder_that_is_wrong_is_one_line(
    run_cli, project, value, message
):
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "[tool.keras-scaffold]\n", f"[tool.keras-scaffold]\ntemplates = {value}\n"
        )
    )
    before = snapshot(project)
    result = run_cli("regenerate", cwd=project)
    assert result.code != 0 and message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(project) == before


def test_check_run_renders_the_recorded_templates_checks(
    run_cli, project, marked_templates
):
    new = ("new", "simple", "ScaledDense", "--templates", str(marked_templates))
    assert run_cli(*new, cwd=project).code == 0
    adopted = marked_templates / "adopted" / "test_module.py.jinja"
    adopted.write_text(adopted.read_text() + "{% if %}\n")  # the team's, broken
    module = "src/proj/layers/scaled_dense.py"
    result = run_cli("check", "--run", module, "--init", "ScaledDense={}", cwd=project)
    assert result.code != 0 and "Expected an expression" in result.err


def test_check_settings_alone_are_not_a_project(run_cli, tmp_path):
    """`[tool.keras-scaffold.check]` is check's, for code `init` never made: `new`
    and `check --run` there work as outside a project, not ask for `package`."""
    (tmp_path / "pyproject.toml").write_text(
        "[tool.keras-scaffold.check]\ninput-shape = {Scaled = [2, 4]}\n", "utf-8"
    )
    assert find_project(tmp_path) is None
    made = run_cli("new", "simple", "Scaled", cwd=tmp_path)
    assert made.code == 0, made.err
    result = run_cli("check", "--run", "scaled.py", cwd=tmp_path)
    assert result.code == 0, result.err + result.out
