"""`--doc NAME=TEXT` describes a declared argument in the docstring's `Args:`, and
a declared argument the pattern does not use is named in `call()`."""

import ast

import pytest
import yaml
from conftest import PATTERNS, snapshot

from keras_scaffold.component import make_answers, render
from keras_scaffold.errors import InvalidParamError
from keras_scaffold.params import add_docs, check_documented_params, parse_params
from keras_scaffold.templates import Templates

DECLARED = ("--param", "units:int:positive", "--param", "dropout_rate:float:0..1=0.1")


def docstring_of(module: str) -> str:
    tree = ast.parse(module)
    return next(
        ast.get_docstring(node) for node in tree.body if isinstance(node, ast.ClassDef)
    )


def test_a_description_lands_in_args_and_in_the_answers(run_cli, tmp_path):
    result = run_cli(
        "new",
        "simple",
        "ScaledDense",
        *DECLARED,
        "--doc",
        'dropout_rate=Fraction of the "outputs" to drop',
        "--doc",
        "units=Size of the output space.",
        cwd=tmp_path,
    )
    assert result.code == 0, result.err
    docstring = docstring_of((tmp_path / "scaled_dense.py").read_text())
    args = " ".join(docstring.split("Args:")[1].split("Call arguments:")[0].split())
    assert (
        'dropout_rate: Float between 0.0 and 1.0. Fraction of the "outputs" to' in args
    )
    assert "drop. Defaults to `0.1`." in args
    # A declared argument that replaces the pattern's own takes its description.
    assert "units: Positive integer. Size of the output space. Required." in args
    answers = yaml.safe_load(
        (tmp_path / ".keras-scaffold/scaled_dense.yml").read_text()
    )
    docs = {param["name"]: param.get("doc") for param in answers["params"]}
    assert docs == {
        "units": "Size of the output space.",
        "dropout_rate": 'Fraction of the "outputs" to drop.',
    }
    # regenerate reads the descriptions back: nothing to do.
    check = run_cli("regenerate", "--check", cwd=tmp_path)
    assert check.code == 0, check.out + check.err


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ('units=Ends """ here', '`"""` or a backslash'),
        ("units=C:\\path", '`"""` or a backslash'),
        ("units=two\nlines", "control characters"),
        ("units=a\ttab", "control characters"),
        ("units=", "is empty"),
        ("units", "is not NAME=TEXT"),
        ("other=Not declared", "not declared with --param"),
        ("units=" + "x" * 61, "would not fit"),
    ],
)
def test_a_description_that_could_break_the_docstring_is_refused(
    run_cli, tmp_path, doc, message
):
    result = run_cli(
        "new", "simple", "ScaledDense", *DECLARED, "--doc", doc, cwd=tmp_path
    )
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}


def test_a_description_given_twice_is_refused():
    params = parse_params(["units:int"])
    with pytest.raises(InvalidParamError, match="given twice"):
        add_docs(params, ["units=One", "units=Two"])


def test_an_edited_answers_file_with_a_bad_description_is_refused():
    with pytest.raises(InvalidParamError, match="backslash"):
        check_documented_params([{"name": "units", "type": "int", "doc": "a\\b"}])
    checked = check_documented_params([{"name": "units", "type": "int", "doc": "Size"}])
    assert checked == [{"name": "units", "type": "int", "doc": "Size."}]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_call_names_each_declared_argument_the_pattern_does_not_use(pattern):
    templates = Templates()
    own = {param["name"] for param in templates.pattern(pattern).params}
    params = parse_params(["extra_rate:float:0..1=0.5", "extra_flag:bool=false"])
    answers = make_answers(templates, pattern, "SampleThing", "pkg", params)
    module = render(templates, answers).files["sample_thing.py"]
    lines = module.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    def call("))
    end = next(i for i in range(start, len(lines)) if lines[i].endswith(":"))
    assert lines[end + 1 : end + 3] == [
        "        # TODO: use self.extra_rate (declared with --param).",
        "        # TODO: use self.extra_flag (declared with --param).",
    ], pattern
    assert module.count("# TODO") == 2
    # An argument of the pattern's own, declared again, is used: no comment.
    if own:
        name = sorted(own)[0]
        kind = next(p for p in templates.pattern(pattern).params if p["name"] == name)
        if kind["type"] in ("int", "float", "bool", "str"):
            again = parse_params([f"{name}:{kind['type']}"])
            answers = make_answers(templates, pattern, "SampleThing", "pkg", again)
            assert "# TODO" not in render(templates, answers).files["sample_thing.py"]


def test_without_declared_arguments_call_is_unchanged(run_cli, tmp_path):
    assert run_cli("new", "simple", "ScaledDense", cwd=tmp_path).code == 0
    assert "# TODO" not in (tmp_path / "scaled_dense.py").read_text()
