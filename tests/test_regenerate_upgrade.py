"""A project generated before issue 34 regenerates onto the current templates with
its user's edits kept: 1bedc9f's `generated_examples/` (every pattern, with the
shared checks module and records of that release), edited by hand, then
`regenerate`: the edits stay, every file no one edited is what the templates give
now (the support module written for the first time), and the tests pass."""

import shutil
import subprocess
import tarfile
from io import BytesIO

import pytest
from conftest import EXAMPLES, REPO, run_pytest

BEFORE = "1bedc9f"  # main before issue 34

# (file, lines the templates of both releases write, what the user makes of them)
EDITS = [
    (
        "mlp_block.py",
        "        return self.output_dense(x, training=training)\n",
        "        # user: the output projection.\n"
        "        return self.output_dense(x, training=training)\n",
    ),
    (
        "transformer_block.py",
        "        # Feedforward block.\n        residual = x\n",
        "        # Feedforward block.\n"
        "        # user: the feed-forward block, as in the paper.\n"
        "        residual = x\n",
    ),
    (
        "scaled_dense.py",
        "        outputs = ops.matmul(inputs, self.kernel)\n",
        "        # user: the projection.\n"
        "        outputs = ops.matmul(inputs, self.kernel)\n",
    ),
]
USER_TEST = """

def test_the_users_own_check():
    assert MlpBlock(hidden_dim=4, output_dim=2).output_dim == 2
"""


def examples_at(commit: str, destination):
    """`generated_examples/` as `commit` holds it, under `destination`."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    archive = subprocess.run(
        ["git", "archive", commit, "generated_examples"],
        cwd=REPO,
        capture_output=True,
    )
    if archive.returncode != 0:
        pytest.skip(f"not a git checkout holding {commit}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    # The current templates beside them, where their records' `_src_path` (this
    # repository's `../templates`) says, as in a clone of this repository.
    shutil.copytree(REPO / "templates", destination / "templates")
    return destination / "generated_examples"


def test_an_earlier_project_regenerates_with_the_users_edits_kept(run_cli, tmp_path):
    folder = examples_at(BEFORE, tmp_path)
    assert not (folder / "keras_scaffold_support.py").exists()
    for name, theirs, mine in EDITS:
        path = folder / name
        text = path.read_text()
        assert theirs in text, (name, theirs)
        path.write_text(text.replace(theirs, mine, 1))
    test_file = folder / "test_mlp_block.py"
    test_file.write_text(test_file.read_text() + USER_TEST)

    result = run_cli("regenerate", str(folder), cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    assert "created  " in result.out and "keras_scaffold_support.py" in result.out

    edited = {name for name, _, _ in EDITS} | {"test_mlp_block.py"}
    for path in folder.glob("*.py"):
        now = (EXAMPLES / path.name).read_text()
        if path.name not in edited:  # what the current templates write
            assert path.read_text() == now, path.name
            continue
        text = path.read_text()
        assert "<<<<<<<" not in text
        # The template's changes and the user's lines, nothing else.
        for name, theirs, mine in EDITS:
            if name == path.name:
                assert text == now.replace(theirs, mine, 1), name
    assert test_file.read_text() == (EXAMPLES / "test_mlp_block.py").read_text() + (
        USER_TEST
    )
    check = run_cli("regenerate", "--check", str(folder), cwd=tmp_path)
    assert check.code == 0, check.out

    # The edited components' tests pass (one subprocess, TensorFlow).
    tests = ["test_mlp_block.py", "test_transformer_block.py", "test_scaled_dense.py"]
    ran = run_pytest("-rA", *tests, cwd=folder, backend="tensorflow")
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert "PASSED test_mlp_block.py::test_the_users_own_check" in ran.stdout
