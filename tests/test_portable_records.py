"""Records hold nothing machine-specific: a generated folder moved to another place
(another machine, another clone) regenerates there and writes nothing."""

import shutil
import subprocess

import copier
import yaml
from conftest import snapshot
from test_regenerate import CALL_LINE, MODULE, change_template

ANSWERS = ".keras-scaffold/scaled_dense.yml"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def git(folder, *args):
    subprocess.run([*GIT, *args], cwd=folder, check=True, capture_output=True)


def records_text(folder) -> str:
    return "".join(
        path.read_text()
        for path in sorted((folder / ".keras-scaffold").rglob("*"))
        if path.is_file()
    )


def test_built_in_templates_record_no_path_and_a_copy_regenerates(run_cli, tmp_path):
    first = tmp_path / "machine-a" / "layers"
    first.mkdir(parents=True)
    assert run_cli("new", "simple", "ScaledDense", cwd=first).code == 0
    answers = yaml.safe_load((first / ANSWERS).read_text())
    assert "_src_path" not in answers
    assert str(tmp_path) not in records_text(first)
    assert "site-packages" not in records_text(first)
    second = tmp_path / "machine-b" / "layers"
    shutil.copytree(first, second)
    before = snapshot(second)
    result = run_cli("regenerate", cwd=second)
    assert result.code == 0, result.err
    assert "1 component(s) up to date." in result.out
    assert snapshot(second) == before
    # Rendered again in full (as after a keras-scaffold upgrade): the answers
    # file comes out the same, so nothing the user sees is written.
    digest = second / ".keras-scaffold/scaled_dense.base/digest"
    digest.write_text("another-fingerprint\n" + digest.read_text().split("\n", 1)[1])
    result = run_cli("regenerate", cwd=second)
    assert result.code == 0 and "up to date" in result.out, result.out + result.err
    assert (second / ANSWERS).read_bytes() == before[ANSWERS]
    assert (second / MODULE).read_bytes() == before[MODULE]


def test_templates_in_the_repository_are_recorded_relative_to_it(
    run_cli, tmp_path, templates_copy
):
    repo = tmp_path / "repo"
    shutil.copytree(templates_copy, repo / "templates")
    (repo / "layers").mkdir()
    git(repo, "init", "-q")
    args = ("--templates", str(repo / "templates"))
    assert run_cli(*args, "new", "simple", "ScaledDense", cwd=repo / "layers").code == 0
    answers = yaml.safe_load((repo / "layers" / ANSWERS).read_text())
    assert answers["_src_path"] == "../templates"
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "generated")
    clone = tmp_path / "elsewhere" / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    layers = clone / "layers"
    before = snapshot(layers)
    args = ("--templates", str(clone / "templates"))
    result = run_cli("regenerate", *args, cwd=layers)
    assert result.code == 0, result.err
    assert snapshot(layers) == before
    # A template change in the clone: the module changes, the answers do not.
    change_template(clone / "templates", CALL_LINE, "        # v2\n" + CALL_LINE)
    result = run_cli("regenerate", *args, cwd=layers)
    assert result.code == 0 and "updated" in result.out, result.err
    assert "# v2" in (layers / MODULE).read_text()
    assert (layers / ANSWERS).read_bytes() == before[ANSWERS]


def test_an_absolute_path_of_an_earlier_release_goes_at_the_next_render(
    run_cli, tmp_path, templates_copy
):
    folder = tmp_path / "layers"
    folder.mkdir()
    args = ("--templates", str(templates_copy))
    assert run_cli(*args, "new", "simple", "ScaledDense", cwd=folder).code == 0
    answers = folder / ANSWERS
    text = answers.read_text().replace("_src_path: ../templates\n", "")
    answers.write_text(text + "_src_path: /home/someone/templates\n")
    change_template(templates_copy, CALL_LINE, "        # v2\n" + CALL_LINE)
    result = run_cli(*args, "regenerate", cwd=folder)
    assert result.code == 0, result.err
    assert "/home/someone" not in answers.read_text()
    # Not binding: the templates given render it, and their path is recorded.
    assert yaml.safe_load(answers.read_text())["_src_path"] == "../templates"


def test_templates_outside_any_repository_are_recorded_relative_to_the_records(
    run_cli, tmp_path, templates_copy
):
    """Issue 36, 2: a team's templates are recorded, repository or not, as a
    path relative to the folder holding `.keras-scaffold/`; the two moved
    together regenerate without --templates and write nothing."""
    folder = tmp_path / "team" / "layers"
    folder.mkdir(parents=True)
    templates = tmp_path / "team" / "team-templates"
    shutil.move(templates_copy, templates)
    args = ("--templates", str(templates))
    assert run_cli("new", "simple", "ScaledDense", *args, cwd=folder).code == 0
    answers = yaml.safe_load((folder / ANSWERS).read_text())
    assert answers["_src_path"] == "../team-templates"
    assert str(tmp_path) not in records_text(folder)
    moved = tmp_path / "elsewhere" / "team"
    shutil.copytree(tmp_path / "team", moved)
    before = snapshot(moved / "layers")
    result = run_cli("regenerate", "--check", cwd=moved / "layers")
    assert result.code == 0 and "up to date" in result.out, result.err
    change_template(moved / "team-templates", CALL_LINE, "        # v2\n" + CALL_LINE)
    result = run_cli("regenerate", cwd=moved / "layers")
    assert result.code == 0, result.err
    assert "# v2" in (moved / "layers" / MODULE).read_text()
    assert (moved / "layers" / ANSWERS).read_bytes() == before[ANSWERS]


def test_init_records_no_path_and_copier_update_works_from_a_git_template(
    run_cli, tmp_path, templates_copy
):
    plain = run_cli("init", "plain", cwd=tmp_path)
    assert plain.code == 0, plain.err
    assert "_src_path" not in (tmp_path / "plain" / ".copier-answers.yml").read_text()
    # A project template that is a git repository with version tags: copier
    # needs its path and commit, and has them.
    template = templates_copy / "project"
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "v1")):
        git(template, *args)
    git(template, "tag", "v1")
    result = run_cli("init", "proj", "--templates", str(templates_copy), cwd=tmp_path)
    assert result.code == 0, result.err
    project = tmp_path / "proj"
    assert "_commit: v1" in (project / ".copier-answers.yml").read_text()
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "start")):
        git(project, *args)
    readme = template / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line from template v2.\n")
    git(template, "commit", "-qam", "v2")
    git(template, "tag", "v2")
    copier.run_update(project, defaults=True, overwrite=True, quiet=True)
    assert "A line from template v2." in (project / "README.md").read_text()
