"""`regenerate`: new templates merged into generated files, keeping every user edit."""

import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml
from conftest import COPIED_ANSWERS, REPO, copied, snapshot

MODULE = "scaled_dense.py"
CALL_LINE = "        outputs = ops.matmul(inputs, self.kernel)\n"
RETURN_LINE = "        return self.activation(outputs)\n"
SHAPE_LINE = "        return tuple(input_shape[:-1]) + (self.units,)\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def project(run_cli, tmp_path, templates_copy):
    """A folder with one generated `simple` component, and a runner bound to it."""
    folder = tmp_path / "project"
    folder.mkdir()

    def run(*args: str):
        return run_cli("--templates", str(templates_copy), *args, cwd=folder)

    assert run("new", "simple", "ScaledDense").code == 0
    return folder, templates_copy, run


def change_template(templates: Path, old: str, new: str) -> None:
    edit(templates / "simple" / "module.py.jinja", old, new)


def mtimes(folder: Path) -> dict[str, int]:
    return {
        str(path): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_template_change_and_user_edit_elsewhere_both_survive(project):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    edit(folder / MODULE, SHAPE_LINE, "        # User: shape rule.\n" + SHAPE_LINE)
    result = run("regenerate")
    assert result.code == 0, result.err
    assert "merged" in result.out
    text = (folder / MODULE).read_text()
    assert "# Template: project." in text and "# User: shape rule." in text
    assert run("regenerate", "--check").code == 0


def test_a_clean_update_without_user_edits_takes_the_new_generation(project, run_cli):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    result = run("regenerate")
    assert result.code == 0 and "updated" in result.out
    fresh = folder.parent / "fresh"
    fresh.mkdir()
    package = ["--package", folder.name]
    args = ["--templates", str(templates), "new", "simple", "ScaledDense", *package]
    assert run_cli(*args, cwd=fresh).code == 0
    assert (folder / MODULE).read_text() == (fresh / MODULE).read_text()


def test_same_lines_edited_conflict_and_keep_reporting(project):
    folder, templates, run = project
    change_template(templates, RETURN_LINE, RETURN_LINE.rstrip() + "  # template\n")
    edit(folder / MODULE, RETURN_LINE, RETURN_LINE.rstrip() + " * 2  # user\n")
    result = run("regenerate")
    assert result.code == 1
    assert "conflict" in result.out and "conflict" in result.err
    assert len(result.err.strip().splitlines()) == 1
    # Issue 36: the command to run again repeats the options given.
    again = f"run `keras-scaffold regenerate --templates {templates}` again"
    assert again in result.err
    text = (folder / MODULE).read_text()
    assert "<<<<<<< yours\n" in text and ">>>>>>> keras-scaffold" in text
    assert "* 2  # user" in text and "# template" in text
    # The merge base did not move; a second run still reports the conflict.
    second = run("regenerate")
    assert second.code == 1 and "unresolved" in second.err
    assert (folder / MODULE).read_text() == text
    assert run("regenerate", "--check").code == 1


def test_a_resolved_conflict_settles(project):
    folder, templates, run = project
    change_template(templates, RETURN_LINE, RETURN_LINE.rstrip() + "  # template\n")
    edit(folder / MODULE, RETURN_LINE, RETURN_LINE.rstrip() + " * 2  # user\n")
    assert run("regenerate").code == 1
    text = (folder / MODULE).read_text()
    start, end = text.index("<<<<<<< yours\n"), text.index(">>>>>>> keras-scaffold")
    end = text.index("\n", end) + 1
    resolved = text[:start] + "        return self.activation(outputs) * 2  # both\n"
    (folder / MODULE).write_text(resolved + text[end:])
    result = run("regenerate")
    assert result.code == 0, result.err
    assert "# both" in (folder / MODULE).read_text()
    assert run("regenerate", "--check").code == 0


def test_check_reports_pending_changes_and_writes_nothing(project):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    before = snapshot(folder)
    result = run("regenerate", "--check")
    assert result.code == 1
    assert "would merge" in result.out or "would update" in result.out
    assert "out of date" in result.err
    assert snapshot(folder) == before
    dry = run("regenerate", "--dry-run")
    assert dry.code == 0 and "would update" in dry.out
    assert snapshot(folder) == before


def test_nothing_changed_rewrites_nothing(project):
    folder, _, run = project
    edit(folder / MODULE, SHAPE_LINE, "        # User: shape rule.\n" + SHAPE_LINE)
    before = mtimes(folder)
    result = run("regenerate")
    assert result.code == 0
    assert "up to date" in result.out
    assert mtimes(folder) == before


def test_answers_edited_by_hand_are_rendered(project):
    folder, _, run = project
    answers = folder / ".keras-scaffold" / "scaled_dense.yml"
    edit(
        answers,
        "params: []",
        "params:\n-   name: scale\n    type: float\n    default: 2.0",
    )
    result = run("regenerate")
    assert result.code == 0, result.err
    assert "scale: float = 2.0," in (folder / MODULE).read_text()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda a: a.write_text("pattern: [unclosed\n"), "is not valid YAML"),
        (lambda a: a.write_text("- just a list\n"), "does not hold answers"),
        (lambda a: edit(a, "pattern: simple", "pattern: vanished"), "Unknown pattern"),
        (lambda a: edit(a, "class_name: ScaledDense", "class_name: 9x"), "9x"),
        (lambda a: edit(a, "params: []", "params: 3"), "params"),
    ],
)
def test_broken_answers_are_refused_and_nothing_is_written(project, damage, message):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    damage(folder / ".keras-scaffold" / "scaled_dense.yml")
    before = snapshot(folder)
    result = run("regenerate")
    assert result.code != 0
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(folder) == before


def test_a_lost_merge_base_is_built_from_the_answers_and_said(project):
    """With no merge base, nothing tells the user's edits from an older
    generation: the file stays as it is, and the current generation is its base."""
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    shutil.rmtree(folder / ".keras-scaffold" / "scaled_dense.base")
    before = (folder / MODULE).read_bytes()
    result = run("regenerate")
    assert result.code == 0, result.err
    assert "recorded" in result.out and "there was no merge base" in result.out
    assert f"kept  {MODULE}" in result.out
    assert (folder / MODULE).read_bytes() == before
    base = folder / ".keras-scaffold" / "scaled_dense.base" / f"{MODULE}.orig"
    assert "# Template: project." in base.read_text()
    assert run("regenerate", "--check").code == 0


def test_a_moved_file_is_reported_not_recreated(project):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    (folder / MODULE).rename(folder / "elsewhere.py")
    result = run("regenerate")
    assert result.code == 1
    assert "missing" in result.err and "deleted or moved" in result.err
    assert not (folder / MODULE).exists()
    # The other file of the component is still brought up to date.
    assert "# Template" not in (folder / "elsewhere.py").read_text()


def test_an_interrupted_write_leaves_everything_as_it_was(project, fail_nth_write):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    change_template(templates, SHAPE_LINE, "        # Template: shape.\n" + SHAPE_LINE)
    before = snapshot(folder)
    fail_nth_write(2, KeyboardInterrupt())
    result = run("regenerate")
    assert result.code != 0 and "aborted" in result.err
    assert snapshot(folder) == before


def test_outside_any_project_is_one_clear_line(run_cli, tmp_path):
    result = run_cli("regenerate", cwd=tmp_path)
    assert result.code != 0
    assert "no .keras-scaffold/" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_plain_copier_update_works_on_the_same_answers_file(tmp_path, templates_copy):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]

    def in_templates(*args):
        subprocess.run(
            [*git, *args], cwd=templates_copy, check=True, capture_output=True
        )

    in_templates("init", "-q")
    in_templates("add", "-A")
    in_templates("commit", "-qm", "v1")
    in_templates("tag", "v1")
    answers = COPIED_ANSWERS
    destination = copied(tmp_path, templates_copy)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "generated")):
        subprocess.run([*git, *args], cwd=destination, check=True, capture_output=True)
    change_template(templates_copy, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    in_templates("commit", "-qam", "v2")
    in_templates("tag", "v2")
    copier.run_update(
        destination, answers_file=answers, defaults=True, overwrite=True, quiet=True
    )
    assert "# Template: v2." in (destination / MODULE).read_text()
    assert "_commit: v2" in (destination / answers).read_text()


def test_a_pip_installed_keras_scaffold_regenerates_an_earlier_project(
    run_cli, tmp_path
):
    """A wheel carries its templates; it updates what an older version wrote."""
    project = tmp_path / "project"
    project.mkdir()
    assert run_cli("new", "simple", "ScaledDense", cwd=project).code == 0
    # As an earlier release would have written it: an older merge base and digest.
    base = project / ".keras-scaffold" / "scaled_dense.base"
    old = (
        (base / "scaled_dense.py.orig")
        .read_text()
        .replace("    def call(", "    # old template line\n    def call(", 1)
    )
    (base / "scaled_dense.py.orig").write_text(old)
    (project / MODULE).write_text(
        old.replace(SHAPE_LINE, "        # mine\n" + SHAPE_LINE)
    )
    (base / "digest").write_text("from-an-older-release\n")

    wheels, site = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("keras_scaffold-*.whl"))
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    assert (site / "keras_scaffold" / "templates" / "simple" / "pattern.yml").is_file()
    completed = subprocess.run(
        [sys.executable, "-m", "keras_scaffold", "regenerate"],
        cwd=project,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    text = (project / MODULE).read_text()
    assert "# old template line" not in text and "# mine" in text


def test_paths_name_components_by_file_folder_or_answers(project, run_cli):
    folder, templates, run = project
    assert run("new", "simple", "Other", "--output", "sub").code == 0
    change_template(templates, CALL_LINE, "        # Template: project.\n" + CALL_LINE)
    by_file = run("regenerate", "--check", MODULE)
    assert by_file.code == 1 and "scaled_dense.py" in by_file.out
    assert "other.py" not in by_file.out
    by_folder = run("regenerate", "--check", "sub")
    assert by_folder.code == 1 and "other.py" in by_folder.out
    assert "scaled_dense.py" not in by_folder.out
    by_answers = run("regenerate", "--check", ".keras-scaffold/scaled_dense.yml")
    assert by_answers.code == 1 and "other.py" not in by_answers.out
    stray = folder / "notes.txt"
    stray.write_text("mine\n")
    result = run("regenerate", "notes.txt")
    assert result.code != 0 and "neither a file keras-scaffold generated" in result.err


def two_patterns(run_cli, folder: Path, templates: Path):
    """A `simple` and a `composite` component in `folder`, and a runner."""

    def run(*args: str):
        return run_cli("--templates", str(templates), *args, cwd=folder)

    folder.mkdir()
    assert run("new", "simple", "ScaledDense").code == 0
    assert run("new", "composite", "MlpBlock").code == 0
    return run


def test_a_template_change_rewrites_only_its_patterns_components(
    run_cli, tmp_path, templates_copy
):
    folder = tmp_path / "layers"
    run = two_patterns(run_cli, folder, templates_copy)
    before = mtimes(folder)
    change_template(templates_copy, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    result = run("regenerate")
    assert result.code == 0, result.err
    rewritten = {
        str(Path(path).relative_to(folder))
        for path, mtime in mtimes(folder).items()
        if before.get(path) != mtime
    }
    base = ".keras-scaffold/scaled_dense.base"
    assert rewritten == {MODULE, f"{base}/{MODULE}.orig", f"{base}/digest"}
    assert run("regenerate", "--check").code == 0


def test_a_template_change_that_changes_no_file_writes_nothing(
    run_cli, tmp_path, templates_copy
):
    folder = tmp_path / "layers"
    run = two_patterns(run_cli, folder, templates_copy)
    before = mtimes(folder)
    layer = templates_copy / "_shared" / "layer.py.jinja"
    layer.write_text("{# A note for template authors. #}\n" + layer.read_text())
    for args in (("regenerate",), ("regenerate",), ("regenerate", "--check")):
        result = run(*args)
        assert result.code == 0, result.err
        assert result.out == "2 component(s) up to date.\n"
        assert mtimes(folder) == before
    # The next change that does change a file is still seen.
    change_template(templates_copy, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    assert run("regenerate", "--check").code == 1


def test_the_digest_file_holds_the_fingerprint_alone(project):
    """Each file's digest before formatting is no longer recorded (nothing read
    it); a digest file an older keras-scaffold wrote, with them, is still read."""
    folder, templates, run = project
    digest = folder / ".keras-scaffold" / "scaled_dense.base" / "digest"
    (fingerprint,) = digest.read_text().splitlines()
    assert len(fingerprint) == 64
    digest.write_text(f"{fingerprint}\n{'0' * 64} {MODULE}\n")  # the older form
    result = run("regenerate", "--check")
    assert result.code == 0, result.err
    assert "1 component(s) up to date." in result.out
    # A template change writes the fingerprint alone again.
    change_template(templates, CALL_LINE, "        # v2\n" + CALL_LINE)
    assert run("regenerate").code == 0
    (second,) = digest.read_text().splitlines()
    assert second != fingerprint


# --- A deleted generated file: restored, or excluded (issue 36, 4) -----------------

TEST = "test_scaled_dense.py"
BASE = ".keras-scaffold/scaled_dense.base"
ANSWERS = ".keras-scaffold/scaled_dense.yml"
TEST_TEMPLATE_LINE = "        # Template: test v2.\n"


def change_test_template(templates: Path) -> None:
    block = "{% block build_checks %}\n"
    edit(
        templates / "simple" / "test_module.py.jinja", block, block + TEST_TEMPLATE_LINE
    )


def test_a_deleted_file_names_both_ways_out_with_the_options_given(project):
    folder, templates, run = project
    (folder / TEST).unlink()
    for args in (("regenerate", "--check"), ("regenerate",)):
        result = run(*args)
        assert result.code == 1, result.out
        assert len(result.err.strip().splitlines()) == 1, result.err
        restore = f"`keras-scaffold regenerate --restore --templates {templates}`"
        exclude = (
            f"`keras-scaffold regenerate --exclude {TEST} --templates {templates}`"
        )
        assert restore in result.err and exclude in result.err
        assert "--force" not in result.err
    assert not (folder / TEST).exists()


def test_restore_brings_back_a_deleted_file_from_the_new_generation(project, run_cli):
    folder, templates, run = project
    change_template(templates, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    change_test_template(templates)
    edit(folder / MODULE, SHAPE_LINE, "        # User: shape rule.\n" + SHAPE_LINE)
    (folder / TEST).unlink()
    before = snapshot(folder)
    check = run("regenerate", "--check", "--restore")
    assert check.code == 1 and f"would restore  {TEST}" in check.out, check.err
    assert snapshot(folder) == before
    result = run("regenerate", "--restore")
    assert result.code == 0, result.err
    assert f"restored  {TEST}" in result.out and f"merged  {MODULE}" in result.out
    text = (folder / MODULE).read_text()
    assert "# Template: v2." in text and "# User: shape rule." in text
    fresh = folder.parent / "fresh"
    fresh.mkdir()
    args = ["--templates", str(templates), "new", "simple", "ScaledDense"]
    assert run_cli(*args, "--package", folder.name, cwd=fresh).code == 0
    assert (folder / TEST).read_text() == (fresh / TEST).read_text()
    assert TEST_TEMPLATE_LINE in (folder / TEST).read_text()
    assert (folder / BASE / f"{TEST}.orig").read_text() == (fresh / TEST).read_text()
    assert run("regenerate", "--check").code == 0


def test_restore_never_overwrites_a_file_that_is_there(project):
    folder, templates, run = project
    edit(folder / TEST, "import", "# User: mine.\nimport")
    mine = (folder / TEST).read_bytes()
    result = run("regenerate", "--restore")
    assert result.code == 0 and "up to date" in result.out, result.err
    assert (folder / TEST).read_bytes() == mine


def test_an_excluded_file_is_left_out_from_then_on(project):
    folder, templates, run = project
    (folder / TEST).unlink()
    result = run("regenerate", "--exclude", TEST)
    assert result.code == 0, result.err
    assert f"excluded  {TEST}" in result.out
    assert yaml.safe_load((folder / ANSWERS).read_text())["exclude"] == [TEST]
    assert not (folder / BASE / f"{TEST}.orig").exists()
    assert run("regenerate", "--check").code == 0
    change_template(templates, CALL_LINE, "        # Template: v2.\n" + CALL_LINE)
    change_test_template(templates)
    result = run("regenerate")
    assert result.code == 0, result.err
    assert "# Template: v2." in (folder / MODULE).read_text()
    assert not (folder / TEST).exists()
    assert run("regenerate", "--check").code == 0
    # `remove` leaves it out too: a file of the user's at that path stays.
    (folder / TEST).write_text("# Mine.\n")
    result = run("remove", "ScaledDense")
    assert result.code == 0, result.err
    assert snapshot(folder) == {TEST: b"# Mine.\n"}


def test_an_excluded_file_that_is_there_becomes_the_users(project):
    folder, templates, run = project
    result = run("regenerate", "--exclude", TEST)
    assert result.code == 0, result.err
    mine = (folder / TEST).read_bytes()
    change_test_template(templates)
    assert run("regenerate").code == 0
    assert (folder / TEST).read_bytes() == mine
    assert run("regenerate", "--check").code == 0


def test_an_exclusion_is_undone_by_deleting_its_entry(project):
    folder, templates, run = project
    (folder / TEST).unlink()
    assert run("regenerate", "--exclude", TEST).code == 0
    answers = folder / ANSWERS
    data = yaml.safe_load(answers.read_text())
    del data["exclude"]
    answers.write_text(yaml.safe_dump(data))
    result = run("regenerate")
    assert result.code == 0, result.err
    assert f"created  {TEST}" in result.out
    assert (folder / TEST).is_file()
    assert run("regenerate", "--check").code == 0


@pytest.mark.parametrize(
    "path",
    ["notes.txt", ANSWERS, f"{BASE}/{MODULE}.orig", "nowhere/x.py", "../x.py", "."],
)
def test_exclude_names_a_file_the_component_generates_or_is_one_line(project, path):
    folder, _, run = project
    (folder / "notes.txt").write_text("mine\n")
    before = snapshot(folder)
    result = run("regenerate", "--exclude", path)
    assert result.code == 1, result.out
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert snapshot(folder) == before
