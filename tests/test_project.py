"""Projects: `init` (the Copier project template) and `new` inside a project."""

import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest
from conftest import PATTERNS, host_venv, snapshot

from keras_scaffold.exports import BEGIN, END, add_export
from keras_scaffold.project import installed_requirement
from keras_scaffold.templates import Templates

ANSWERS = ("distribution_name=my-layers", "package_name=mylayers", "author=Ada")
CLASS_NAMES = {
    "simple": "ScaledDense",
    "composite": "MlpBlock",
    "orchestration": "DenseStack",
    "model": "MlpClassifier",
    "normalization": "FeatureNorm",
    "stateful": "RunningMemory",
    "dynamic": "LayerSequence",
    "transformer": "TransformerBlock",
    "embedding": "TokenAndPositionEmbedding",
    "pooling": "AttentionPooling",
    "stochastic": "AdditiveNoise",
    "conv": "ConvBlock",
    "rnn_cell": "GatedCell",
}


def init(run_cli, parent: Path, *extra: str):
    args = [arg for answer in ANSWERS for arg in ("--data", answer)]
    return run_cli("init", "mylayers", *args, *extra, cwd=parent)


def test_init_gives_the_same_files_as_copier_copy(run_cli, tmp_path):
    assert init(run_cli, tmp_path).code == 0
    answers = dict(answer.split("=", 1) for answer in ANSWERS)
    # The answer `init` gives unless told: where this keras-scaffold came from.
    answers["keras_scaffold_requirement"] = installed_requirement()
    copier.run_copy(
        str(Templates().root / "project"),
        tmp_path / "copied",
        data=answers,
        defaults=True,
        quiet=True,
    )
    initialized = snapshot(tmp_path / "mylayers")
    copied = snapshot(tmp_path / "copied")
    # But for the template's absolute path, which init does not record.
    answers = copied[".copier-answers.yml"].decode().splitlines(keepends=True)
    portable = [line for line in answers if not line.startswith("_src_path: /")]
    assert len(portable) == len(answers) - 1
    copied[".copier-answers.yml"] = "".join(portable).encode()
    assert initialized == copied


def test_new_places_files_registers_and_exports_inside_a_project(run_cli, tmp_path):
    assert init(run_cli, tmp_path).code == 0
    root = tmp_path / "mylayers"
    nested = root / "src" / "mylayers"  # run from deep inside: the project is found
    result = run_cli("new", "composite", "MlpBlock", cwd=nested)
    assert result.code == 0, result.err
    module = root / "src/mylayers/layers/mlp_block.py"
    assert 'register_keras_serializable(package="mylayers")' in module.read_text()
    test = (root / "tests/test_mlp_block.py").read_text()
    assert "from mylayers.layers.mlp_block import MlpBlock" in test
    assert (root / ".keras-scaffold/mlp_block.yml").is_file()
    assert "update" in result.out and "__init__.py" in result.out
    assert run_cli("new", "model", "MlpClassifier", cwd=root).code == 0
    assert (root / "src/mylayers/models/mlp_classifier.py").is_file()
    models_init = (root / "src/mylayers/models/__init__.py").read_text()
    assert "from .mlp_classifier import MlpClassifier as MlpClassifier" in models_init
    assert run_cli("regenerate", "--check", cwd=root).code == 0


def test_a_project_is_ruff_clean_with_its_rules_and_with_ruffs_defaults(
    run_cli, tmp_path
):
    """A new project with a layer and a model passes `ruff check` with its own
    rule selection and with ruff's default rules (its `select` line removed,
    its other settings kept), as a user who drops the selection runs it."""
    assert init(run_cli, tmp_path).code == 0
    root = tmp_path / "mylayers"
    assert run_cli("new", "composite", "MlpBlock", cwd=root).code == 0
    assert run_cli("new", "model", "MlpClassifier", cwd=root).code == 0
    pyproject = root / "pyproject.toml"
    own = pyproject.read_text()
    defaults = "".join(
        line
        for line in own.splitlines(keepends=True)
        if not line.startswith("select = ")
    )
    assert defaults != own
    for settings in (own, defaults):
        pyproject.write_text(settings)
        completed = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
            cwd=root,
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, completed.stdout


def test_exports_stay_sorted_idempotent_and_leave_user_lines_alone():
    text = (
        f'"""Layers."""\n\nimport os  # mine\n\n{BEGIN}\n{END}\n\nVALUE = 1  # mine\n'
    )
    once = add_export(text, "zeta_block", "ZetaBlock")
    twice = add_export(
        add_export(once, "alpha_block", "AlphaBlock"), "zeta_block", "ZetaBlock"
    )
    assert twice == (
        f'"""Layers."""\n\nimport os  # mine\n\n{BEGIN}\n'
        "from .alpha_block import AlphaBlock as AlphaBlock\n"
        "from .zeta_block import ZetaBlock as ZetaBlock\n"
        f"\n{END}\n\nVALUE = 1  # mine\n"
    )
    # A file whose markers were removed gets a block at its end, nothing else moves.
    plain = '"""Layers."""\n\nimport os  # mine\n'
    assert (
        add_export(plain, "a", "A")
        == plain + f"\n{BEGIN}\nfrom .a import A as A\n\n{END}\n"
    )


def test_init_refuses_a_folder_that_is_not_empty(run_cli, tmp_path):
    target = tmp_path / "mylayers"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = init(run_cli, tmp_path)
    assert result.code != 0 and "not empty" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(target) == {"notes.txt": b"mine\n"}
    forced = init(run_cli, tmp_path, "--force")
    assert forced.code == 0 and (target / "pyproject.toml").is_file()
    assert (target / "notes.txt").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("package_name=My-Pkg", "package_name"),
        ("package_name=class", "package_name"),
        ("distribution_name=bad name", "distribution_name"),
        ("flavour=vanilla", "unknown answer flavour"),
        ("no-equals-sign", "is not KEY=VALUE"),
    ],
)
def test_init_refuses_bad_answers(run_cli, tmp_path, answer, message):
    result = run_cli("init", "proj", "--data", answer, cwd=tmp_path)
    assert result.code != 0 and message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "proj" / "pyproject.toml").exists()


def test_new_outside_a_project_writes_loose_files_as_before(run_cli, tmp_path):
    result = run_cli("new", "simple", "ScaledDense", cwd=tmp_path)
    assert result.code == 0
    assert (tmp_path / "scaled_dense.py").is_file()
    assert not (tmp_path / "__init__.py").exists()


def test_a_project_with_every_pattern_installs_and_passes_its_tests(run_cli, tmp_path):
    """The issue's end-to-end check: init, one `new` of each pattern, then the
    project README's two commands in a fresh virtual environment."""
    assert init(run_cli, tmp_path).code == 0
    root = tmp_path / "mylayers"
    for pattern in PATTERNS:
        result = run_cli("new", pattern, CLASS_NAMES[pattern], cwd=root)
        assert result.code == 0, result.err
    readme = (root / "README.md").read_text()
    install = 'python -m pip install -e ".[tensorflow,test]"'
    assert install in readme and "python -m pytest" in readme
    python = host_venv(tmp_path / "venv")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(root)],
        check=True,
        capture_output=True,
    )
    completed = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    # The project's pytest settings keep the backends' deprecation noise out.
    assert "DeprecationWarning" not in completed.stdout, completed.stdout[-3000:]
    names = [CLASS_NAMES[pattern] for pattern in PATTERNS]
    check = f"import mylayers\nfor name in {names!r}: print(getattr(mylayers, name))"
    exposed = subprocess.run(
        [python, "-c", check], cwd=tmp_path, capture_output=True, text=True
    )
    assert exposed.returncode == 0, exposed.stderr
    for name in names:
        assert f".{name}'>" in exposed.stdout


def test_copier_update_updates_the_skeleton_from_a_git_template(tmp_path):
    template = tmp_path / "template"
    shutil.copytree(Templates().root / "project", template)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]

    def in_folder(folder, *args):
        subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)

    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "v1"), ("tag", "v1")):
        in_folder(template, *args)
    answers = dict(answer.split("=", 1) for answer in ANSWERS)
    project = tmp_path / "mylayers"
    copier.run_copy(str(template), project, data=answers, defaults=True, quiet=True)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "start")):
        in_folder(project, *args)
    readme = template / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line from template v2.\n")
    for args in (("commit", "-qam", "v2"), ("tag", "v2")):
        in_folder(template, *args)
    copier.run_update(project, defaults=True, overwrite=True, quiet=True)
    assert "A line from template v2." in (project / "README.md").read_text()
    assert "_commit: v2" in (project / ".copier-answers.yml").read_text()
