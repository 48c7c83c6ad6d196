"""Quantization and sharding support left out of a component (issue 34): `new
--no-quantize-shard`, a project's `quantize-shard` setting for the default, the
`quantize_shard` answer that `regenerate` keeps, and plain Copier giving the same
files."""

import pytest
import yaml
from conftest import run_pytest, snapshot
from test_render import copier_copy, rendered

WITHOUT = ("def get_layout_map", "dtype_policy_config", "def quantize(")


def answers(folder, module):
    return yaml.safe_load((folder / ".keras-scaffold" / f"{module}.yml").read_text())


def test_new_leaves_it_out_and_records_it(run_cli, tmp_path):
    for flag in ("--no-quantize-shard", "--quantize-shard"):
        folder = tmp_path / flag.strip("-")
        for pattern, name in (("composite", "Block"), ("simple", "Dense2")):
            result = run_cli(
                "new", pattern, name, flag, "-o", str(folder), cwd=tmp_path
            )
            assert result.code == 0, result.err
        block = (folder / "block.py").read_text()
        dense = (folder / "dense2.py").read_text()
        left_out = flag == "--no-quantize-shard"
        assert answers(folder, "block")["quantize_shard"] is not left_out
        for text, present in ((block, WITHOUT[:2]), (dense, WITHOUT[::2])):
            for code in present:
                assert (code not in text) is left_out, (flag, code)
        tests = (folder / "test_block.py").read_text()
        assert ("quantizes = False" in tests) is left_out


def test_regenerate_keeps_the_answer(run_cli, tmp_path):
    assert run_cli("new", "composite", "Block", "--no-quantize-shard", cwd=tmp_path)
    before = snapshot(tmp_path)
    result = run_cli("regenerate", cwd=tmp_path)
    assert (result.code, result.out) == (0, "1 component(s) up to date.\n")
    assert snapshot(tmp_path) == before
    # Turned on by editing the answer, as any other answer.
    path = tmp_path / ".keras-scaffold" / "block.yml"
    path.write_text(
        path.read_text().replace("quantize_shard: false", "quantize_shard: true")
    )
    assert run_cli("regenerate", cwd=tmp_path).code == 0
    assert "def get_layout_map" in (tmp_path / "block.py").read_text()


def test_an_older_answers_file_without_it_means_on(run_cli, tmp_path):
    assert run_cli("new", "composite", "Block", cwd=tmp_path).code == 0
    path = tmp_path / ".keras-scaffold" / "block.yml"
    path.write_text(path.read_text().replace("quantize_shard: true\n", ""))
    # The same answers as before, to the fingerprint: nothing changes.
    result = run_cli("regenerate", "--check", cwd=tmp_path)
    assert (result.code, result.out) == (0, "1 component(s) up to date.\n")
    assert "def get_layout_map" in (tmp_path / "block.py").read_text()


@pytest.mark.parametrize("value", ["'yes'", "1", "null", "[true]"])
def test_an_answer_that_is_no_boolean_is_refused(run_cli, tmp_path, value):
    assert run_cli("new", "composite", "Block", cwd=tmp_path).code == 0
    path = tmp_path / ".keras-scaffold" / "block.yml"
    path.write_text(
        path.read_text().replace("quantize_shard: true", f"quantize_shard: {value}")
    )
    before = snapshot(tmp_path)
    result = run_cli("regenerate", cwd=tmp_path)
    assert result.code == 1
    assert result.err.startswith("keras-scaffold: error: ")
    assert "`quantize_shard` must be true or false" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_a_project_setting_is_the_default_and_the_flag_wins(run_cli, tmp_path):
    assert run_cli("init", "mylayers", "--data", "author=A", cwd=tmp_path).code == 0
    project = tmp_path / "mylayers"
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace(
            "[tool.keras-scaffold]\n", "[tool.keras-scaffold]\nquantize-shard = false\n"
        )
    )
    assert run_cli("new", "composite", "Plain", cwd=project).code == 0
    assert (
        run_cli("new", "composite", "Full", "--quantize-shard", cwd=project).code == 0
    )
    assert answers(project, "plain")["quantize_shard"] is False
    assert answers(project, "full")["quantize_shard"] is True
    pyproject.write_text(
        text.replace(
            "[tool.keras-scaffold]\n", "[tool.keras-scaffold]\nquantize-shard = 'no'\n"
        )
    )
    result = run_cli("new", "composite", "Other", cwd=project)
    assert result.code == 1 and "quantize-shard must be true or false" in result.err


@pytest.mark.parametrize("pattern", ["simple", "composite", "transformer", "model"])
def test_plain_copier_copy_gives_the_same_files(tmp_path, templates_copy, pattern):
    answers_, files = rendered(templates_copy, pattern, quantize_shard=False)
    assert answers_["quantize_shard"] is False
    copied = copier_copy(templates_copy, answers_, tmp_path / "copier")
    assert copied == {path: text.encode() for path, text in files.items()}


def test_the_generated_tests_pass_without_it(run_cli, tmp_path):
    """The tests of a composite block left without the support pass, the quantize
    check skipped (one subprocess, TensorFlow)."""
    assert run_cli("new", "composite", "Block", "--no-quantize-shard", cwd=tmp_path)
    ran = run_pytest("-rs", cwd=tmp_path, backend="tensorflow")
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert "quantization support was left out" in ran.stdout
