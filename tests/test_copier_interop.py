"""Copier both ways: a component made by plain `copier copy` (no merge base) is
taken into keras-scaffold's records by `regenerate` and removed by `remove`; a
project made by `init` says `copier update` reads its answers only where it does."""

import copier
import yaml
from conftest import COPIED_ANSWERS as ANSWERS
from conftest import copied, snapshot
from test_regenerate import CALL_LINE, SHAPE_LINE, change_template, edit

BASE = ".keras-scaffold/scaled_dense.base"
MODULE = "scaled_dense.py"


def runner(run_cli, folder, templates):
    return lambda *args: run_cli("--templates", str(templates), *args, cwd=folder)


def test_regenerate_builds_the_missing_base_from_the_answers_and_says_so(
    run_cli, tmp_path, templates_copy
):
    folder = copied(tmp_path, templates_copy)
    run = runner(run_cli, folder, templates_copy)
    files = {k: v for k, v in snapshot(folder).items() if not k.startswith(".")}
    check = run("regenerate", "--check")
    assert check.code == 1 and "would record" in check.out
    result = run("regenerate")
    assert result.code == 0, result.err
    assert "recorded" in result.out and "built from the answers" in result.out
    # The files stay as Copier wrote them, and are their own merge base now.
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if k in files} == files
    for relpath, text in files.items():
        assert after[f"{BASE}/{relpath}.orig"] == text
    # Copier's path of one machine goes, as from any answers file: the templates
    # it renders from are recorded relative to the records (issue 36, 2).
    src_path = yaml.safe_load((folder / ANSWERS).read_text())["_src_path"]
    assert src_path == "../templates"
    assert run("regenerate", "--check").code == 0
    # From now on it is a component like any other: template changes merge in.
    change_template(templates_copy, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    assert run("regenerate").code == 0
    assert "# Template: v2." in (folder / MODULE).read_text()


def test_a_file_that_differs_from_the_answers_is_kept_as_the_users(
    run_cli, tmp_path, templates_copy
):
    folder = copied(tmp_path, templates_copy)
    run = runner(run_cli, folder, templates_copy)
    edit(folder / MODULE, SHAPE_LINE, "        # User: shape rule.\n" + SHAPE_LINE)
    mine = (folder / MODULE).read_bytes()
    result = run("regenerate")
    assert result.code == 0, result.err
    assert f"kept  {MODULE}" in result.out
    assert (folder / MODULE).read_bytes() == mine
    change_template(templates_copy, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    assert run("regenerate").code == 0
    text = (folder / MODULE).read_text()
    assert "# Template: v2." in text and "# User: shape rule." in text
    refused = run("remove", "ScaledDense")
    assert refused.code == 1 and "changed since" in refused.err


def test_remove_takes_a_copier_component_without_a_base(
    run_cli, tmp_path, templates_copy
):
    folder = copied(tmp_path, templates_copy)
    run = runner(run_cli, folder, templates_copy)
    result = run("remove", "ScaledDense")
    assert result.code == 0, result.err
    assert snapshot(folder) == {}


def test_remove_refuses_a_changed_copier_component_unless_forced(
    run_cli, tmp_path, templates_copy
):
    folder = copied(tmp_path, templates_copy)
    run = runner(run_cli, folder, templates_copy)
    edit(folder / MODULE, SHAPE_LINE, "        # User: shape rule.\n" + SHAPE_LINE)
    before = snapshot(folder)
    refused = run("remove", "ScaledDense")
    assert refused.code == 1 and f"{MODULE} changed since" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert snapshot(folder) == before
    assert run("remove", "ScaledDense", "--force").code == 0
    assert snapshot(folder) == {}


def test_a_projects_answers_file_names_copier_update_only_where_it_works(
    run_cli, tmp_path
):
    assert run_cli("init", "plain", cwd=tmp_path).code == 0
    header = (tmp_path / "plain" / ".copier-answers.yml").read_text().splitlines()[0]
    assert "copier update` reads" not in header
    assert "git" in header


def test_a_component_copier_updates_keeps_copiers_record(
    run_cli, tmp_path, templates_copy
):
    """A component copied from a git template with version tags: keras-scaffold
    records its merge base and leaves `_src_path` and `_commit` as Copier wrote
    them, so `copier update` still works on it."""
    from test_portable_records import git

    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "v1")):
        git(templates_copy, *args)
    git(templates_copy, "tag", "v1")
    folder = copied(tmp_path, templates_copy)
    recorded = yaml.safe_load((folder / ANSWERS).read_text())
    assert recorded["_commit"] == "v1" and recorded["_src_path"]
    result = runner(run_cli, folder, templates_copy)("regenerate")
    assert result.code == 0, result.err
    answers = yaml.safe_load((folder / ANSWERS).read_text())
    assert {key: answers[key] for key in ("_src_path", "_commit")} == {
        key: recorded[key] for key in ("_src_path", "_commit")
    }
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "copied")):
        git(folder, *args)
    change_template(templates_copy, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    git(templates_copy, "commit", "-qam", "v2")
    git(templates_copy, "tag", "v2")
    copier.run_update(
        folder, answers_file=ANSWERS, defaults=True, overwrite=True, quiet=True
    )
    assert "# Template: v2." in (folder / MODULE).read_text()


def test_plain_copier_leaves_out_what_the_answers_exclude(
    run_cli, tmp_path, templates_copy
):
    """Issue 36, 4: the component template itself skips an excluded file, so
    `copier copy` with the same answers gives the same files and answers."""
    folder = tmp_path / "made"
    folder.mkdir()
    run = runner(run_cli, folder, templates_copy)
    assert run("new", "simple", "ScaledDense", "--package", "pkg").code == 0
    (folder / "test_scaled_dense.py").unlink()
    result = run("regenerate", "--exclude", "test_scaled_dense.py")
    assert result.code == 0, result.err
    answers = yaml.safe_load((folder / ANSWERS).read_text())
    assert answers["exclude"] == ["test_scaled_dense.py"]
    copied_folder = tmp_path / "copied"
    copier.run_copy(
        str(templates_copy),
        copied_folder,
        data={key: value for key, value in answers.items() if key[0] != "_"},
        answers_file=ANSWERS,
        defaults=True,
        quiet=True,
    )
    made = {k: v for k, v in snapshot(folder).items() if not k.startswith(".")}
    assert {
        k: v for k, v in snapshot(copied_folder).items() if not k.startswith(".")
    } == made
    assert "test_scaled_dense.py" not in made
    copier_answers = yaml.safe_load((copied_folder / ANSWERS).read_text())
    assert copier_answers.pop("_src_path") == str(templates_copy)
    assert copier_answers == {k: v for k, v in answers.items() if k[0] != "_"}


def test_copiers_path_relative_to_where_it_ran_names_no_templates(
    run_cli, tmp_path, templates_copy, monkeypatch
):
    """Copier records `_src_path` as it was given, relative to where it ran: for a
    component with no merge base, one that leads to no templates from the records
    is Copier's, not keras-scaffold's record, and the first `regenerate` takes it
    in as any component made by Copier."""
    monkeypatch.chdir(tmp_path)
    copier.run_copy(
        "templates",
        "copied",
        data={"pattern": "simple", "class_name": "ScaledDense", "package": "pkg"},
        answers_file=ANSWERS,
        defaults=True,
        quiet=True,
    )
    folder = tmp_path / "copied"
    assert yaml.safe_load((folder / ANSWERS).read_text())["_src_path"] == "templates"
    result = runner(run_cli, folder, templates_copy)("regenerate")
    assert result.code == 0 and "recorded" in result.out, result.err
    src_path = yaml.safe_load((folder / ANSWERS).read_text())["_src_path"]
    assert src_path == "../templates"
    assert run_cli("regenerate", "--check", cwd=folder).code == 0
