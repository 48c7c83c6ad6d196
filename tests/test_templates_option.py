"""`--templates DIR` is accepted after any command as well as before it."""

import shutil

import pytest
import yaml
from conftest import snapshot
from test_regenerate import CALL_LINE, MODULE, change_template

from keras_scaffold.templates import default_templates_dir

ANSWERS = ".keras-scaffold/scaled_dense.yml"


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


# --- The templates that made a component (issue 36, 2) ----------------------------

TEAM_LINE = "        # Team: scaled first.\n"


@pytest.fixture
def team(run_cli, tmp_path, templates_copy):
    """A component made from a team's templates, in no project nor repository."""
    layers = tmp_path / "layers"
    layers.mkdir()
    args = ("--templates", str(templates_copy))
    assert run_cli("new", "simple", "ScaledDense", *args, cwd=layers).code == 0
    return layers, templates_copy


def answers_of(layers) -> dict:
    return yaml.safe_load((layers / ANSWERS).read_text())


def test_regenerate_renders_from_the_templates_that_made_the_component(run_cli, team):
    layers, templates = team
    change_template(templates, CALL_LINE, TEAM_LINE + CALL_LINE)
    # No --templates: not "up to date" against the built-in templates.
    check = run_cli("regenerate", "--check", cwd=layers)
    assert check.code == 1 and f"would update  {MODULE}" in check.out, check.err
    result = run_cli("regenerate", cwd=layers)
    assert result.code == 0, result.err
    assert TEAM_LINE in (layers / MODULE).read_text()
    assert answers_of(layers)["_src_path"] == "../templates"
    assert run_cli("regenerate", "--check", cwd=layers).code == 0


def test_other_templates_than_the_recorded_are_refused_naming_both(
    run_cli, team, tmp_path, monkeypatch
):
    layers, templates = team
    other = tmp_path / "other"
    shutil.copytree(default_templates_dir(), other)
    change_template(other, CALL_LINE, "        # Other.\n" + CALL_LINE)
    before = snapshot(layers)
    for folder in (other, default_templates_dir()):
        for command in (
            ("regenerate",),
            ("regenerate", "--check"),
            ("remove", "ScaledDense"),
        ):
            result = run_cli(*command, "--templates", str(folder), cwd=layers)
            assert result.code == 1, (command, result.out)
            assert len(result.err.strip().splitlines()) == 1, result.err
            assert "../templates" in result.err and str(folder) in result.err
            assert "_src_path" in result.err
            assert snapshot(layers) == before
    monkeypatch.setenv("KERAS_SCAFFOLD_TEMPLATES", str(other))
    result = run_cli("regenerate", "--check", cwd=layers)
    assert result.code == 1 and "KERAS_SCAFFOLD_TEMPLATES" in result.err
    monkeypatch.delenv("KERAS_SCAFFOLD_TEMPLATES")
    # Deliberately: the recorded line deleted, then the other templates given.
    answers = layers / ANSWERS
    answers.write_text(answers.read_text().replace("_src_path: ../templates\n", ""))
    result = run_cli("regenerate", "--templates", str(other), cwd=layers)
    assert result.code == 0, result.err
    assert "# Other." in (layers / MODULE).read_text()
    assert answers_of(layers)["_src_path"] == "../other"


def test_every_hint_to_run_regenerate_repeats_the_options_given(
    run_cli, tmp_path, marked_templates
):
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("new", "simple", "ScaledDense", cwd=out).code == 0
    given = ("--templates", str(marked_templates))
    result = run_cli("regenerate", "--check", *given, cwd=out)
    assert result.code == 1
    assert f"run `keras-scaffold regenerate --templates {marked_templates}`" in (
        result.err
    )
    named = run_cli("regenerate", "--check", "out", *given, cwd=tmp_path)
    assert named.code == 1
    assert f"run `keras-scaffold regenerate out --templates {marked_templates}`" in (
        named.err
    )


@pytest.mark.parametrize("damage", ["moved", "no patterns"])
def test_a_recorded_templates_folder_that_is_gone_is_one_line(run_cli, team, damage):
    layers, templates = team
    shutil.move(templates, templates.with_name("moved"))
    if damage == "no patterns":
        (templates / "simple").mkdir(parents=True)
    before = snapshot(layers)
    for command in (
        ("regenerate", "--check"),
        ("regenerate",),
        ("remove", "ScaledDense"),
    ):
        result = run_cli(*command, cwd=layers)
        assert result.code == 1, (command, result.out)
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert "scaled_dense.yml" in result.err and "../templates" in result.err
        assert "_src_path" in result.err and "--templates" in result.err
        assert snapshot(layers) == before


def test_components_of_different_templates_regenerate_each_from_its_own(
    run_cli, tmp_path, templates_copy
):
    second = tmp_path / "second"
    shutil.copytree(default_templates_dir(), second)
    layers = tmp_path / "layers"
    layers.mkdir()
    for name, folder in (("First", templates_copy), ("Second", second)):
        made = run_cli("new", "simple", name, "--templates", str(folder), cwd=layers)
        assert made.code == 0, made.err
    change_template(templates_copy, CALL_LINE, "        # First's.\n" + CALL_LINE)
    change_template(second, CALL_LINE, "        # Second's.\n" + CALL_LINE)
    result = run_cli("regenerate", cwd=layers)
    assert result.code == 0, result.err
    first, second_text = (layers / "first.py").read_text(), (
        layers / "second.py"
    ).read_text()
    assert "# First's." in first and "# Second's." not in first
    assert "# Second's." in second_text and "# First's." not in second_text
    assert run_cli("regenerate", "--check", cwd=layers).code == 0
