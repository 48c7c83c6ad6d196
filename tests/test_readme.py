"""The README: short, its two fresh-machine commands the ones CI runs, and every
example in it run as a reader runs them (see doc_examples.py)."""

from conftest import REPO
from doc_examples import commands, examples, make_clone, run_examples
from test_backends import INSTALL_HINTS, TORCH_CPU

README = (REPO / "README.md").read_text()
INSTALL = 'python -m pip install -e ".[tensorflow,jax,test]"'
VENV = "python -m venv .venv && . .venv/bin/activate"


def test_the_readme_is_read_in_five_minutes():
    assert len(README.splitlines()) <= 300


def test_the_readme_gives_a_quick_loop_and_the_cache():
    """Issue 36, 7: a newcomer learns how long the suite takes, the quick subset
    for the edit loop (a marker pytest knows), and where the cache lives."""
    fresh = README.split("## On a fresh machine", 1)[1].split("\n## ", 1)[0]
    assert "minutes" in fresh and '`python -m pytest -m "not slow"`' in fresh
    assert "~/.cache/keras-scaffold" in fresh and "KERAS_SCAFFOLD_CACHE_DIR=" in fresh
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'markers = ["slow:' in pyproject


def test_the_parser_finds_the_examples():
    blocks = examples(README)
    lines = [line for language, body in blocks for line, _ in commands(language, body)]
    assert "keras-scaffold list" in lines
    assert any(line.startswith("keras-scaffold init ") for line in lines)
    assert any("--param units:int:positive" in line for line in lines)


def test_ci_runs_the_readmes_two_commands():
    """The fresh-machine section's install and test commands are the ones
    `.ci/run` runs (with PyTorch added), and its last command is the tests."""
    fresh = README.split("## On a fresh machine", 1)[1].split("\n## ", 1)[0]
    lines = [line for block in examples(fresh) for line, _ in commands(*block)]
    assert lines[0].startswith(f"{VENV} && {INSTALL} && keras-scaffold new ")
    assert lines[1] == "python -m pytest"
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line]
    assert 'python -m pip install --quiet -e ".[tensorflow,jax,torch,test]"' in ci
    assert "python3 -m venv .venv" in ci and ". .venv/bin/activate" in ci
    assert ci[-1] == "python -m pytest"


def test_every_example_in_the_readme_works(run_cli, tmp_path, monkeypatch):
    clone = make_clone(tmp_path / "clone")
    before = {path.name for path in clone.iterdir()}
    ran = run_examples(README, clone, run_cli, monkeypatch)
    commands_run = {words[1] for words in ran if words[0] == "keras-scaffold"}
    assert {"new", "list", "regenerate", "remove", "init", "check", "adopt"} <= (
        commands_run
    )
    # Nothing the examples create is left untracked in a clone.
    ignored = {
        line.strip("/")
        for line in (REPO / ".gitignore").read_text().splitlines()
        if line.startswith("/")
    }
    assert {path.name for path in clone.iterdir()} - before <= ignored


def test_the_project_package_is_the_one_the_docs_import(run_cli, tmp_path):
    assert run_cli("init", "my-layers", cwd=tmp_path).code == 0
    assert (tmp_path / "my-layers" / "src" / "my_layers" / "__init__.py").is_file()
    project = (REPO / "docs" / "project.md").read_text()
    assert "`import my_layers`" in project and "import mylayers" not in project


def test_ci_installs_pytorch_from_its_cpu_index():
    """Issue 36, 6: `.ci/run` asked for `torch==2.13.0` from the package index
    alone, where that is the multi-GB CUDA build. It pins the CPU build's local
    version, which only PyTorch's CPU index (or a local copy of it) serves."""
    ci = (REPO / ".ci" / "run").read_text().replace("\\\n", "")
    torch_lines = [line for line in ci.splitlines() if "pip install" in line]
    torch_line = next(line for line in torch_lines if "torch==" in line)
    assert "https://download.pytorch.org/whl/cpu" in torch_line
    assert '"torch==2.13.0+cpu"' in torch_line
    assert ci.index(torch_line) < ci.index('-e ".[tensorflow,jax,torch,test]"')


def test_the_pytorch_hints_name_the_cpu_build_before_the_extra():
    hint = INSTALL_HINTS["torch"]
    assert TORCH_CPU in hint and hint.index(TORCH_CPU) < hint.index('".[torch]"')
    assert f"python -m {TORCH_CPU}" in README
    assert README.index(f"python -m {TORCH_CPU}") < README.index('-e ".[torch]"')
