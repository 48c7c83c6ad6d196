"""The README's examples, run: every `keras-scaffold` command in its ```sh and
```text blocks succeeds, in order, in a folder standing for a fresh clone; the
output a ```text block shows is the output; what they create is ignored by git."""

import re
import shlex

from conftest import REPO
from test_backends import INSTALL_HINTS, TORCH_CPU

README = (REPO / "README.md").read_text()
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block that is a shell example."""
    return [(m[1], m[2]) for m in FENCE.finditer(text) if m[1] in ("sh", "text")]


def commands(language: str, body: str) -> list[tuple[str, list[str] | None]]:
    """(command line, the output shown after it or None) for each command: every
    line of a ```sh block (with `\\` continuations), the `$ ` lines of a ```text
    block with the lines that follow."""
    if language == "sh":
        lines = body.replace("\\\n", " ").splitlines()
        return [(line, None) for line in lines if line.strip()]
    found: list[tuple[str, list[str] | None]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
    return found


def test_the_parser_finds_the_examples():
    blocks = examples(README)
    lines = [line for language, body in blocks for line, _ in commands(language, body)]
    assert "keras-scaffold list" in lines
    assert any(line.startswith("keras-scaffold init ") for line in lines)
    assert any("--param units:int:positive" in line for line in lines)


def test_every_keras_scaffold_example_in_the_readme_works(run_cli, tmp_path):
    clone = tmp_path / "clone"
    clone.mkdir()
    ran, compared = [], []
    for language, body in examples(README):
        cwd = clone  # each block starts where a reader starts: the clone
        for line, shown in commands(language, body):
            for segment in line.split("&&"):
                words = shlex.split(segment, comments=True)
                if words[:1] == ["cd"]:
                    cwd = cwd / words[1]
                if words[:1] != ["keras-scaffold"]:
                    continue  # pip, pytest, copier: not this test's business
                result = run_cli(*words[1:], cwd=cwd)
                assert result.code == 0, f"{segment.strip()}: {result.err}"
                ran.append(words[1])
                if shown is not None:
                    assert result.out.splitlines() == shown, segment
                    compared.append(words[1])
    assert {"new", "list", "regenerate", "remove", "init"} <= set(ran)
    assert {"list", "new"} <= set(compared)
    # Nothing the examples create is left untracked in a clone.
    ignored = {
        line.strip("/")
        for line in (REPO / ".gitignore").read_text().splitlines()
        if line.startswith("/")
    }
    assert {path.name for path in clone.iterdir()} <= ignored


def test_the_project_package_is_the_one_the_readme_imports(run_cli, tmp_path):
    assert run_cli("init", "my-layers", cwd=tmp_path).code == 0
    assert (tmp_path / "my-layers" / "src" / "my_layers" / "__init__.py").is_file()
    assert "`import my_layers`" in README and "import mylayers" not in README


def test_the_pytorch_hints_name_the_cpu_build_before_the_extra():
    hint = INSTALL_HINTS["torch"]
    assert TORCH_CPU in hint and hint.index(TORCH_CPU) < hint.index('".[torch]"')
    assert f"python -m {TORCH_CPU}" in README
    assert README.index(f"python -m {TORCH_CPU}") < README.index('-e ".[torch]"')
