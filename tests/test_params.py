"""Typed parameters: parsing `--param`, refusing bad declarations, and the code and
tests they generate, run with real Keras."""

import subprocess
import sys

import pytest
from conftest import snapshot
from test_render import EVERY_TYPE

from keras_scaffold.errors import InvalidParamError
from keras_scaffold.params import TYPES, check_params, format_param, parse_param
from keras_scaffold.patterns import load_patterns
from keras_scaffold.templates import default_templates_dir


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("units:int", {"name": "units", "type": "int"}),
        (
            "units:int:positive=32",
            {"name": "units", "type": "int", "min": 1, "default": 32},
        ),
        (
            "rate:float:0..1=0.1",
            {"name": "rate", "type": "float", "min": 0.0, "max": 1.0, "default": 0.1},
        ),
        (
            "epsilon:float:positive=1e-5",
            {
                "name": "epsilon",
                "type": "float",
                "min": 0,
                "min_exclusive": True,
                "default": 1e-5,
            },
        ),
        ("steps:int:..10=3", {"name": "steps", "type": "int", "max": 10, "default": 3}),
        ("count:int:non-negative", {"name": "count", "type": "int", "min": 0}),
        # An optional number: None by default, as the stochastic pattern's `seed`.
        (
            "seed:int:non-negative=none",
            {"name": "seed", "type": "int", "min": 0, "default": None},
        ),
        (
            "scale:float:0..1=None",
            {"name": "scale", "type": "float", "min": 0.0, "max": 1.0, "default": None},
        ),
        ("use_bias:bool=TRUE", {"name": "use_bias", "type": "bool", "default": True}),
        ("label:str=a b", {"name": "label", "type": "str", "default": "a b"}),
        (
            "mode:choice:sum,mean=mean",
            {
                "name": "mode",
                "type": "choice",
                "choices": ["sum", "mean"],
                "default": "mean",
            },
        ),
        (
            "kernel_size:ints:positive=3,3",
            {"name": "kernel_size", "type": "ints", "min": 1, "default": [3, 3]},
        ),
        ("act:activation=none", {"name": "act", "type": "activation", "default": None}),
        (
            "init:initializer=zeros",
            {"name": "init", "type": "initializer", "default": "zeros"},
        ),
        ("reg:regularizer=l2", {"name": "reg", "type": "regularizer", "default": "l2"}),
        ("con:constraint", {"name": "con", "type": "constraint"}),
        ("inner:layer", {"name": "inner", "type": "layer", "default": None}),
    ],
)
def test_declarations_parse_and_print_back(spec, expected):
    assert parse_param(spec) == expected
    assert parse_param(format_param(expected)) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("units", "malformed"),
        ("units:", "missing its type"),
        ("units:integer", "unknown type `integer`"),
        (":int", "empty name"),
        ("9lives:int", "not a valid Python argument name"),
        ("class:int", "not a valid Python argument name"),
        ("name:str", "taken by Keras's base `Layer`"),
        ("dtype:str", "taken by Keras's base `Layer`"),
        ("trainable:bool", "taken by Keras's base `Layer`"),
        ("units:int=many", "not an integer"),
        ("rate:float:0..1=1.5", "outside the declared range"),
        ("units:int:positive=0", "outside the declared range"),
        ("epsilon:float:positive=0", "outside the declared range"),
        ("rate:float:1..0", "range is empty"),
        ("rate:float:wide", "is not LO..HI"),
        ("flag:bool=maybe", "not a bool"),
        ("flag:bool:0..1", "takes no range"),
        ("mode:choice", "needs its choices"),
        ("mode:choice:sum", "two or more distinct"),
        ("mode:choice:sum,mean=max", "not one of sum, mean"),
        ("sizes:ints=3,x", "not an integer"),
        ("act:activation=rellu", "not a Keras activation"),
        ("init:initializer=none", "cannot be none"),
        ("inner:layer=dense", "default is none"),
    ],
)
def test_bad_declarations_are_refused(spec, message):
    with pytest.raises(InvalidParamError, match=message):
        parse_param(spec)


def test_duplicate_names_are_refused():
    with pytest.raises(InvalidParamError, match="declared twice"):
        check_params([{"name": "a", "type": "int"}, {"name": "a", "type": "float"}])


@pytest.mark.parametrize(
    "spec", ["units", "units:integer", "name:str", "rate:float:0..1=2", "x:int=1.5"]
)
def test_cli_refuses_a_bad_param_in_one_line_and_writes_nothing(
    run_cli, tmp_path, spec
):
    result = run_cli("new", "simple", "ScaledDense", "--param", spec, cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("keras-scaffold: error: `--param ")
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}


def test_cli_refuses_a_duplicate_param(run_cli, tmp_path):
    result = run_cli(
        "new", "simple", "X", "-p", "a:int=1", "-p", "a:int=2", cwd=tmp_path
    )
    assert result.code == 2 and "declared twice" in result.err
    assert snapshot(tmp_path) == {}


def test_a_declared_parameter_replaces_the_patterns_own(run_cli, tmp_path):
    result = run_cli(
        "new", "simple", "Wide", "--param", "units:int:2..=64", cwd=tmp_path
    )
    assert result.code == 0, result.err
    module = (tmp_path / "wide.py").read_text()
    assert "        units: int = 64,\n" in module
    assert module.count("units: int") == 1
    assert 'support.check_integer("units", units, low=2)' in module
    assert "units: Integer >= 2. Dimensionality of the output space." in module


def test_new_help_documents_the_param_syntax(run_cli, tmp_path):
    result = run_cli("new", "simple", "--help", cwd=tmp_path)
    assert "NAME:TYPE[:RANGE][=DEFAULT]" in result.out
    assert "--param dropout_rate:float:0..1=0.1" in result.out


def run_generated_tests(folder):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
    )


@pytest.mark.parametrize("pattern", ["simple", "composite"])
def test_every_type_saves_and_reloads_with_non_default_values(
    run_cli, tmp_path, pattern
):
    """The generated tests include the round trip of every argument set to a value
    other than its default, through `model.save` and `keras.models.load_model`."""
    args = [arg for spec in EVERY_TYPE for arg in ("--param", spec)]
    result = run_cli("new", pattern, "EveryType", *args, cwd=tmp_path)
    assert result.code == 0, result.err
    test_file = (tmp_path / "test_every_type.py").read_text()
    for spec in EVERY_TYPE:
        name = spec.split(":")[0]
        assert f'"{name}": ' in test_file
    completed = run_generated_tests(tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "test_config_round_trip_with_non_default_values PASSED" in completed.stdout
    for spec in EVERY_TYPE:  # each has a case in the invalid-value test
        case = f"test_invalid_argument_is_refused_in_kerass_words[{spec.split(':')[0]}]"
        assert f"{case} PASSED" in completed.stdout


def test_the_issue_example_generates_passing_code(run_cli, tmp_path):
    result = run_cli(
        "new",
        "simple",
        "ScaledDense",
        "--param",
        "units:int",
        "--param",
        "activation:activation=relu",
        "--param",
        "use_bias:bool=true",
        "--param",
        "dropout_rate:float:0..1=0.1",
        "--param",
        "kernel_initializer:initializer=glorot_uniform",
        cwd=tmp_path,
    )
    assert result.code == 0, result.err
    completed = run_generated_tests(tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:]


def test_every_param_a_patterns_help_shows_is_accepted_by_new():
    """`new PATTERN --help` lists the pattern's own arguments as `--param`
    spellings (the stochastic pattern's `seed:int:non-negative=none`)."""
    for pattern in load_patterns(default_templates_dir()).values():
        # Only types `--param` declares (a pattern may hold its own, as `layers`).
        for param in [p for p in pattern.params if p["type"] in TYPES]:
            parsed = parse_param(format_param(param))  # raises if refused
            assert parsed.get("default") == param.get("default"), param["name"]


def test_optional_numbers_generate_passing_code(run_cli, tmp_path):
    result = run_cli(
        "new",
        "simple",
        "OptionalNumbers",
        "--param",
        "seed:int:non-negative=none",
        "--param",
        "scale:float:0..1=none",
        cwd=tmp_path,
    )
    assert result.code == 0, result.err
    module = (tmp_path / "optional_numbers.py").read_text()
    assert "seed: int | None = None" in module
    assert "scale: float | None = None" in module
    completed = run_generated_tests(tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "test_config_round_trip_with_non_default_values PASSED" in completed.stdout


def test_activity_regularizer_is_not_declared_but_passed(run_cli, tmp_path):
    result = run_cli(
        "new",
        "composite",
        "B",
        "--param",
        "activity_regularizer:regularizer=l2",
        cwd=tmp_path,
    )
    assert result.code == 2
    assert "every Keras layer takes `activity_regularizer` already" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == {}
