"""`check` on files that are not what they say: FIFOs named *.py, coding cookies
Python cannot read source in, nesting deeper than its parser goes, folders it
cannot list, and arbitrary text. Each is one line naming the file and exit 2,
with the other files' findings still printed; nothing hangs or crashes."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_scaffold.check import check_paths, check_source
from keras_scaffold.check.catalog import BY_ID

BAD = BY_ID["KS403"].bad  # one finding, KS403


def check_command(*args: str, cwd: Path):
    """`keras-scaffold check` in a subprocess (a hang is a timeout, not a stuck
    test run)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "keras_scaffold", "check", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_py_is_passed_over(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    folder = check_command(".", cwd=tmp_path)
    named = check_command("pipe.py", "bad.py", cwd=tmp_path)
    for result in (folder, named):
        assert result.returncode == 1, result.stderr
        assert "KS403" in result.stdout and "pipe.py" not in result.stdout
        assert result.stdout.endswith("(1 class in 1 file).\n")


# Coding cookies Python itself refuses for source: codecs that are not text
# encodings, unknown ones, and text encodings the cookie's own line breaks.
COOKIES = ["rot13", "hex", "base64", "zlib", "bz2", "uu", "quopri", "utf-16",
           "utf-32", "punycode", "undefined", "no-such-codec"]  # fmt: skip

# Sources nested deeper than Python's parser (or its AST) goes.
DEEP = {
    "plus": "x = " + "1+" * 200_000 + "1\n",
    "attribute": "x = a" + ".b" * 200_000 + "\n",
    "not": "x = " + "not " * 100_000 + "1\n",
    "lambda": "x = " + "lambda: " * 50_000 + "1\n",
    "parentheses": "x = " + "(" * 1000 + ")" * 1000 + "\n",
    "indentation": "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "x\n",
}


@pytest.mark.parametrize("cookie", COOKIES)
def test_an_exotic_coding_cookie_is_one_line_and_exit_2(run_cli, tmp_path, cookie):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "odd.py").write_bytes(
        f"# -*- coding: {cookie} -*-\nx = 1\n".encode("ascii")
    )
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("keras-scaffold: error: odd.py: cannot read:")
    assert len(result.err.splitlines()) == 1
    assert "KS403" in result.out  # the readable file's findings are kept


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_nesting_is_one_line_and_exit_2(run_cli, tmp_path, shape):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "deep.py").write_text(DEEP[shape])
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("keras-scaffold: error: deep.py")
    assert len(result.err.splitlines()) == 1
    assert "KS403" in result.out


def test_each_unreadable_file_gets_its_own_line(run_cli, tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "a.py").write_bytes(b"# coding: rot13\nx = 1\n")
    (tmp_path / "b.py").write_text(DEEP["not"])
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.code == 2
    lines = result.err.splitlines()
    prefix = "keras-scaffold: error: "
    assert [line.removeprefix(prefix).split(":")[0] for line in lines] == [
        "a.py",
        "b.py",
    ]


def test_an_unreadable_folder_is_reported_not_skipped(tmp_path):
    """A folder whose path is longer than the system lists (PATH_MAX): no user
    can list it by that path, root included."""
    (tmp_path / "bad.py").write_text(BAD)
    step = "d" * 200
    depth = 4200 // (len(step) + 1) + 1
    parent = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(depth):  # made one level at a time, relative to the last
            os.mkdir(step, dir_fd=parent)
            child = os.open(step, os.O_RDONLY, dir_fd=parent)
            os.close(parent)
            parent = child
        with open(
            os.open("hidden.py", os.O_WRONLY | os.O_CREAT, dir_fd=parent), "w"
        ) as file:
            file.write(BAD)
    finally:
        os.close(parent)
    try:
        result = check_command(".", cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert result.stderr.startswith("keras-scaffold: error: ")
        assert "cannot read folder: File name too long" in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert "bad.py" in result.stdout and "hidden.py" not in result.stdout
    finally:
        shutil.rmtree(tmp_path / step)  # rmtree works through descriptors


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any folder")
def test_a_folder_without_permission_is_reported(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text(BAD)
    (tmp_path / "locked").chmod(0)
    try:
        result = check_command(".", cwd=tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert result.returncode == 2
    assert "locked: cannot read folder: Permission denied" in result.stderr


# Python-ish text: fragments of Keras classes, shuffled and indented at random.
FRAGMENTS = [
    "import keras", "from keras import layers as L", "from . import base",
    "from .base import Block", "import tensorflow as tf",
    "class A(keras.layers.Layer):",
    "class B(A):", "class C(Block):", "class D(L.Dense):", "class E(B, C):",
    "def __init__(self, units=1, inner=None, **kwargs):",
    "super().__init__(**kwargs)", "self.inner = inner", "self.d = L.Dense(units)",
    "def build(self, input_shape):", "self.d.build(input_shape)",
    "def call(self, x):", "return self.inner(x)", "return tf.nn.relu(x)",
    "if keras.config.backend() == 'tensorflow':", "def get_config(self):",
    "return {**super().get_config(), 'units': 1}", "config = super().get_config()",
    "config.update(dict(units=self.units))", "return config", "pass", "x = [",
    "@keras.saving.register_keras_serializable()", "self.built = True",
]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.integers(0, 3)), max_size=25),
    st.text(max_size=30),
)
def test_any_text_is_findings_or_one_syntax_error(lines, noise):
    source = "".join("    " * depth + text + "\n" for text, depth in lines) + noise
    try:
        found = check_source("x.py", source)
    except (SyntaxError, ValueError):
        return  # what `check_paths` turns into one line
    assert all(f.rule in BY_ID and f.line >= 1 for f in found)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_in_a_file_never_raise(data):
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "x.py").write_bytes(data)
        report = check_paths([folder])
        assert report.files == 1
        assert len(report.errors) <= 1
        assert all("\n" not in line for line in report.errors)
    finally:
        shutil.rmtree(folder)
