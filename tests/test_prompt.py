"""`new` asks for a missing pattern or class name on a terminal, never otherwise."""

import io
import sys

import pytest
from conftest import PATTERNS, snapshot

from keras_scaffold import cli


@pytest.fixture
def terminal(monkeypatch):
    """stdin as a terminal on which the user types `lines`."""

    def type_lines(*lines: str) -> None:
        stdin = io.StringIO("".join(f"{line}\n" for line in lines))
        stdin.isatty = lambda: True
        monkeypatch.setattr(sys, "stdin", stdin)

    return type_lines


def test_a_terminal_is_asked_for_the_pattern_and_the_class(run_cli, tmp_path, terminal):
    terminal("composite", "MyBlock")
    result = run_cli("new", cwd=tmp_path)
    assert result.code == 0, result.err
    # The question lists every pattern with its summary.
    for name, pattern in cli.Templates().patterns.items():
        assert name in result.err and pattern.summary in result.err
    assert "Pattern" in result.err and "Class name" in result.err
    assert "create" in result.out
    assert "class MyBlock(keras.layers.Layer)" in (tmp_path / "my_block.py").read_text()


def test_a_terminal_is_asked_for_the_class_only(run_cli, tmp_path, terminal):
    terminal("my_block", "Dense", "MyBlock")  # refused twice, asked again
    result = run_cli("new", "simple", "--output", "out", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Pattern" not in result.err
    assert "try `MyBlock`" in result.err and "shadows the Keras built-in" in result.err
    assert (tmp_path / "out" / "my_block.py").is_file()


def test_an_unknown_pattern_typed_is_asked_again(run_cli, tmp_path, terminal):
    terminal("compsite", "composite", "MyBlock")
    result = run_cli("new", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "my_block.py").is_file()


def test_end_of_input_at_the_question_aborts_and_writes_nothing(
    run_cli, tmp_path, terminal
):
    terminal()
    result = run_cli("new", "simple", cwd=tmp_path)
    assert result.code == 1 and "aborted" in result.err
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize("args", [("new",), ("new", "composite")])
def test_a_run_without_a_terminal_is_never_asked(run_cli, tmp_path, monkeypatch, args):
    """`new` alone shows the patterns (exit 0); a pattern without its class name
    is a usage error (exit 2, tests/test_safety.py); neither reads stdin."""
    stdin = io.StringIO("composite\nMyBlock\n")  # would be read if it asked
    monkeypatch.setattr(sys, "stdin", stdin)
    result = run_cli(*args, cwd=tmp_path)
    if args == ("new",):
        assert result.code == 0 and result.out.startswith("Usage: keras-scaffold")
    else:
        assert result.code == 2 and "CLASS_NAME" in result.err
    assert stdin.read() == "composite\nMyBlock\n"
    assert snapshot(tmp_path) == {}


def test_a_missing_class_name_without_a_terminal_is_one_line(
    run_cli, tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "stdin", io.StringIO("MyBlock\n"))
    result = run_cli("new", "simple", "--dry-run", cwd=tmp_path)
    assert result.code == 2 and "Missing argument 'CLASS_NAME'" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}


def test_patterns_listed_in_the_question_are_those_of_list(run_cli, tmp_path, terminal):
    terminal("simple", "Xy")
    result = run_cli("new", cwd=tmp_path)
    listed = [line.split()[0] for line in result.err.splitlines() if line[:2] == "  "]
    assert listed == PATTERNS


def test_options_before_the_pattern_on_a_terminal_ask_for_it(
    run_cli, tmp_path, terminal
):
    """Issue 36, 8: `new --output DIR` said "No such option '--output'"."""
    terminal("simple", "MyBlock")
    result = run_cli("new", "--output", "out", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Pattern" in result.err
    assert (tmp_path / "out" / "my_block.py").is_file()


def test_options_before_the_pattern_off_a_terminal_name_it(
    run_cli, tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "stdin", io.StringIO("simple\nMyBlock\n"))
    result = run_cli("new", "--output", "out", "--dry-run", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("keras-scaffold: error: Missing the pattern")
    assert "keras-scaffold new PATTERN CLASS_NAME --output" in result.err
    assert "keras-scaffold list" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}
