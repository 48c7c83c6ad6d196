"""The README's and docs' examples and links, read as a reader reads them.

Every command of a ```sh (or ```shell) block, and every `$ ` line of a ```text block,
runs in order in a folder standing for a fresh clone of this repository, each block
starting at its top; the output a ```text block shows under a command is its output.
`keras-scaffold` runs in-process (the tests' own CLI runner), anything else in bash.
A few commands are left to the places that run them already: `NOT_RUN`.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL = ("sh", "shell")
# What a command starts with (after any VAR=value), and where it runs instead.
NOT_RUN = {
    "python -m venv": ".ci/run makes the virtual environment as the README says",
    ". .venv/bin/activate": ".ci/run activates it",
    "python -m pip install": ".ci/run installs as the README says, and "
    "tests/test_project.py installs projects",
    "python -m pytest": ".ci/run runs this repository's tests; the generated tests "
    "run in generated_examples/ and in tests/test_project.py",
    "python benchmarks/": "benchmarks are measured, not tested",
}
DOCS = sorted(
    [REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "benchmarks" / "README.md"]
    + list((REPO / "docs").glob("*.md"))
)


def examples(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block that is a shell example."""
    return [(m[1], m[2]) for m in FENCE.finditer(text) if m[1] in (*SHELL, "text")]


def commands(language: str, body: str) -> list[tuple[str, list[str] | None]]:
    """(command line, the output shown after it or None) for each command: every
    line of a ```sh block (with `\\` continuations), the `$ ` lines of a ```text
    block with the lines that follow."""
    if language in SHELL:
        lines = body.replace("\\\n", " ").splitlines()
        return [(line, None) for line in lines if line.strip()]
    found: list[tuple[str, list[str] | None]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
    return found


def make_clone(folder: Path) -> Path:
    """A copy of this repository's files as a clone has them (tracked, or new and
    not ignored), without its git history."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for relpath in filter(None, listed.split("\0")):
        source = REPO / relpath
        if source.is_file():
            target = folder / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return folder


def run_examples(text: str, clone: Path, run_cli, monkeypatch) -> list[list[str]]:
    """Run every command of `text` in `clone`; return the commands run, as words.
    A command that fails, or prints other than what a ```text block shows, fails
    the test."""
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "Reader",
        "GIT_AUTHOR_EMAIL": "reader@example.com",
        "GIT_COMMITTER_NAME": "Reader",
        "GIT_COMMITTER_EMAIL": "reader@example.com",
        "PRE_COMMIT_HOME": str(clone.parent / "pre-commit"),
    }
    ran = []
    for language, body in examples(text):
        cwd = clone  # each block starts where a reader starts: the clone
        for line, shown in commands(language, body):
            for segment in line.split("&&"):
                words = shlex.split(segment, comments=True)
                variables = {}
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    name, _, value = words.pop(0).partition("=")
                    variables[name] = value
                if not words:
                    continue
                if words[0] == "cd":
                    cwd = cwd / words[1]
                    continue
                if not_run(" ".join(words)):
                    continue
                if words[0] == "keras-scaffold":
                    with monkeypatch.context() as patch:
                        for name, value in variables.items():
                            patch.setenv(name, value)
                        result = run_cli(*words[1:], cwd=cwd)
                    code, out, err = result.code, result.out, result.err
                else:
                    completed = subprocess.run(
                        segment,
                        shell=True,
                        executable="/bin/bash",
                        cwd=cwd,
                        env=environment,
                        capture_output=True,
                        text=True,
                    )
                    code, out = completed.returncode, completed.stdout
                    err = completed.stderr
                assert code == 0, f"{segment.strip()} (in {cwd}): {out}{err}"
                if shown is not None:
                    assert out.splitlines() == shown, segment
                ran.append(words)
    return ran


def not_run(command: str) -> str | None:
    """Why `command` is not run here, or None."""
    return next(
        (why for start, why in NOT_RUN.items() if command.startswith(start)), None
    )


LINK = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")
INLINE_CODE = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    """`text` without its fenced blocks and inline code, where links are not links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    """Every relative link target of a Markdown text (no scheme)."""
    return [
        target
        for target in LINK.findall(prose(text))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)
    ]


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text."""
    found: set[str] = set()
    for line in FENCE.sub("", text).splitlines():
        heading = re.match(r"^#{1,6} (.*)", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
        unique, count = slug, 1
        while unique in found:
            unique, count = f"{slug}-{count}", count + 1
        found.add(unique)
    return found
