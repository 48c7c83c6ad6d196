"""A declaration changes the pattern (issue 24): a re-declared argument of the
pattern's own keeps its place and its tests follow its value; rules across the
arguments refuse, at `new`, defaults the layer's own `__init__` would refuse;
every accepted declaration gives code that lints clean and tests that run; and
the newest patterns' edges (a padding mask passed explicitly, a sequence too
long for a compiled embedding, one integer for a kernel size, a nested layer
built in `build()`, the seed state)."""

import ast
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import run_pytest, snapshot
from test_adopt import adopted

from keras_scaffold.names import snake_case

RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--line-length", "88"]


def one_error_line(result, code=2):
    assert result.code == code, result.out + result.err
    assert result.err.startswith("keras-scaffold: error: "), result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    return result.err


def ruff_clean(folder: Path) -> None:
    """ruff's defaults and the project's selection find nothing."""
    for extra in (["--isolated"], ["--isolated", "--select", "E,F,W,I,B,UP"]):
        completed = subprocess.run(
            [*RUFF, *extra, "."], capture_output=True, text=True, cwd=folder
        )
        assert completed.returncode == 0, completed.stdout[-3000:]


def init_signature(module: str, class_name: str) -> ast.arguments:
    tree = ast.parse(module)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    assert cls.name == class_name
    return next(n for n in cls.body if getattr(n, "name", "") == "__init__").args


def class_attribute(test_file: str, name: str):
    """The literal value of a class attribute of the generated test class."""
    tree = ast.parse(test_file)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    for node in cls.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} in the test class")


def make_config(test_file: str) -> dict:
    tree = ast.parse(test_file)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    method = next(n for n in cls.body if getattr(n, "name", "") == "make_config")
    return ast.literal_eval(method.body[-1].value)


# -- Re-declaring a pattern's own argument changes the pattern. ---------------


def test_a_redeclared_argument_keeps_its_place_and_sizes_the_test_inputs(
    run_cli, tmp_path
):
    result = run_cli(
        "new", "transformer", "T", "--param", "hidden_dim:int:positive=16", cwd=tmp_path
    )
    assert result.code == 0, result.err
    args = init_signature((tmp_path / "t.py").read_text(), "T")
    # The pattern's order: a positional call cannot swap the two sizes; the
    # required `intermediate_dim` after a default is keyword-only.
    assert [a.arg for a in args.args] == ["self", "hidden_dim"]
    assert [a.arg for a in args.kwonlyargs][:2] == ["intermediate_dim", "num_heads"]
    test_file = (tmp_path / "test_t.py").read_text()
    assert class_attribute(test_file, "input_shape") == (2, 4, 16)
    assert make_config(test_file)["hidden_dim"] == 16


def test_redeclared_sizes_too_large_for_a_test_are_tested_small(run_cli, tmp_path):
    result = run_cli(
        "new", "transformer", "T", "-p", "hidden_dim:int:positive=4096", cwd=tmp_path
    )
    assert result.code == 0, result.err
    test_file = (tmp_path / "test_t.py").read_text()
    assert class_attribute(test_file, "input_shape") == (2, 4, 8)
    assert "hidden_dim: int = 4096," in (tmp_path / "t.py").read_text()


@pytest.mark.parametrize(
    ("specs", "inputs"),
    [
        # num_heads=3 divides no hidden_dim near 8: the test takes 9.
        (["num_heads:int:positive=3"], (2, 4, 9)),
        # hidden_dim within 5..7 and 2 heads: 6.
        (["hidden_dim:int:5..7"], (2, 4, 6)),
    ],
)
def test_test_values_follow_the_patterns_rules_with_the_declared_values(
    run_cli, tmp_path, specs, inputs
):
    args = [arg for spec in specs for arg in ("--param", spec)]
    assert run_cli("new", "transformer", "T", *args, cwd=tmp_path).code == 0
    test_file = (tmp_path / "test_t.py").read_text()
    assert class_attribute(test_file, "input_shape") == inputs


def test_a_redeclared_sequence_length_bounds_the_test_sequences(run_cli, tmp_path):
    result = run_cli(
        "new",
        "embedding",
        "E",
        "--param",
        "sequence_length:int:positive=3",
        cwd=tmp_path,
    )
    assert result.code == 0, result.err
    test_file = (tmp_path / "test_e.py").read_text()
    assert class_attribute(test_file, "input_shape") == (2, 3)
    module = (tmp_path / "e.py").read_text()
    assert "keras.random.randint((2, 3)," in module  # the docstring's example


def test_a_redeclared_data_format_sets_the_test_layout(run_cli, tmp_path):
    spec = "data_format:choice:channels_last,channels_first=channels_first"
    assert run_cli("new", "conv", "C", "--param", spec, cwd=tmp_path).code == 0
    test_file = (tmp_path / "test_c.py").read_text()
    # The default's layout where the backend runs it (TensorFlow: on a GPU).
    assert '"data_format": DATA_FORMAT,' in test_file
    assert (
        'DATA_FORMAT = "channels_first" if channels_first_runs() else "channels_last"'
        in test_file
    )
    assert "keras.random.normal((2, 3, 6, 6))" in (tmp_path / "c.py").read_text()


@pytest.mark.parametrize(
    ("pattern", "specs", "message"),
    [
        (
            "conv",
            ["padding:choice:same,valid=valid", "kernel_size:ints:1..7=5,5"],
            "A residual needs the convolution to keep the height and width: use "
            "`padding='same'`, a 1x1 kernel or `use_residual=False`. Received: "
            "padding='valid', kernel_size=(5, 5)",
        ),
        (
            "conv",
            ["padding:choice:same,valid=valid", "kernel_size:ints:positive=3"],
            "Received: padding='valid', kernel_size=(3, 3)",
        ),
        (
            "transformer",
            ["hidden_dim:int:positive=6", "num_heads:int:positive=4"],
            "`hidden_dim` must be divisible by `num_heads`. Received: "
            "hidden_dim=6, num_heads=4",
        ),
        ("transformer", ["hidden_dim:int:positive=1"], "must be at least 2"),
        ("composite", ["dropout_rate:float:0..1=1"], "must be below 1"),
        ("model", ["dropout_rate:float:0..1=1"], "must be below 1"),
        ("conv", ["kernel_size:ints:positive=3,3,3"], "holds 2 integers"),
        ("stochastic", ["stddev:float:0..1=none"], "as a number, never None"),
        ("simple", ["bias_initializer:initializer=identity"], "matrices only"),
        ("composite", ["kernel_initializer:initializer=zeros"], "no gradient"),
        ("rnn_cell", ["kernel_initializer:initializer=zeros"], "recurrent kernel"),
        (
            "normalization",
            ["gamma_regularizer:regularizer=orthogonal_regularizer"],
            "matrices only",
        ),
    ],
)
def test_defaults_the_layer_would_refuse_are_refused_at_new(
    run_cli, tmp_path, pattern, specs, message
):
    args = [arg for spec in specs for arg in ("--param", spec)]
    err = one_error_line(run_cli("new", pattern, "Block", *args, cwd=tmp_path))
    assert message in err
    assert snapshot(tmp_path) == {}


def test_the_rules_are_the_layers_own_checks(run_cli, tmp_path):
    """The message `new` gives is the generated `__init__`'s, word for word."""
    assert run_cli("new", "conv", "C", cwd=tmp_path).code == 0
    module = (tmp_path / "c.py").read_text()
    assert 'if use_residual and padding == "valid" and kernel_size != (1, 1):' in module
    assert 'f"padding={padding!r}, kernel_size={kernel_size!r}"' in module


def test_no_declaration_can_skip_the_shared_checks(run_cli, tmp_path):
    result = run_cli(
        "new", "stochastic", "N", "--param", "stddev:float:0..1=0", cwd=tmp_path
    )
    assert result.code == 0, result.err
    test_file = (tmp_path / "test_n.py").read_text()
    assert "skip" not in test_file
    assert "stochastic = True" not in test_file  # training changes nothing
    # The noise's own tests take a positive stddev the range holds.
    assert '"stddev": 0.1' in test_file


# -- Generated code that runs and lints. ----------------------------------------


def test_required_keras_objects_are_imported_by_the_tests(run_cli, tmp_path):
    specs = ["reg:regularizer", "init:initializer", "con:constraint"]
    args = [arg for spec in specs for arg in ("--param", spec)]
    assert run_cli("new", "simple", "Objects", *args, cwd=tmp_path).code == 0
    test_file = (tmp_path / "test_objects.py").read_text()
    assert "keras.regularizers.L2()" in test_file
    assert "\nimport keras\n" in test_file
    ruff_clean(tmp_path)


@pytest.mark.parametrize("pattern", ["simple", "conv", "model"])
def test_names_at_the_length_limit_fit_in_88_columns(run_cli, tmp_path, pattern):
    name = "a" * 28
    specs = [
        f"{name}:int:positive",
        f"b{name[1:]}:float:0..1=0.5",
        f"c{name[1:]}:ints:positive=2,3",
        f"d{name[1:]}:choice:first,second=first",
        f"e{name[1:]}:str=text",
        f"f{name[1:]}:layer",
        f"g{name[1:]}:initializer=zeros",
    ]
    args = [arg for spec in specs for arg in ("--param", spec)]
    class_name = "A" + "b" * 44
    result = run_cli("new", pattern, class_name, *args, cwd=tmp_path)
    assert result.code == 0, result.err
    ruff_clean(tmp_path)


def test_wide_characters_count_as_two_columns(run_cli, tmp_path):
    han = "\u4e2d"  # a CJK character, two columns wide
    wide = han * 40
    err = one_error_line(
        run_cli("new", "simple", "S", "-p", f"x:str={wide}", cwd=tmp_path)
    )
    assert "longer than 40" in err
    choice = "mode:choice:" + han * 21 + ",b"
    one_error_line(run_cli("new", "simple", "S", "-p", choice, cwd=tmp_path))
    assert snapshot(tmp_path) == {}
    # Half as many fit.
    half = han * 20
    assert run_cli("new", "simple", "S", "-p", f"x:str={half}", cwd=tmp_path).code == 0
    ruff_clean(tmp_path)


def test_a_class_named_after_the_shared_checks_module_is_refused(run_cli, tmp_path):
    assert run_cli("new", "simple", "MyBlock", cwd=tmp_path).code == 0
    before = snapshot(tmp_path)
    err = one_error_line(run_cli("new", "simple", "KerasScaffoldChecks", cwd=tmp_path))
    assert "keras_scaffold_checks" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_adopt_refuses_numbers_python_cannot_write(run_cli, tmp_path, number):
    folder = adopted(tmp_path)
    before = snapshot(folder)
    init = f'{{"hidden_dim": 4, "output_dim": {number}}}'
    err = one_error_line(
        run_cli("adopt", "blocks.py::CompositeLayer", "--init", init, cwd=folder)
    )
    assert "finite" in err
    assert snapshot(folder) == before


def test_adopt_refuses_an_infinity_from_a_pyproject_table(run_cli, tmp_path):
    folder = adopted(tmp_path)
    (folder / "pyproject.toml").write_text(
        "[tool.keras-scaffold.check.init]\n"
        "CompositeLayer = {hidden_dim = 4, output_dim = inf}\n"
    )
    before = snapshot(folder)
    err = one_error_line(run_cli("adopt", "blocks.py::CompositeLayer", cwd=folder))
    assert "finite" in err
    assert snapshot(folder) == before


@pytest.mark.parametrize("length", [59, 60, 61])
def test_a_description_new_accepts_regenerate_accepts(run_cli, tmp_path, length):
    word = "x" * length
    result = run_cli(
        "new", "simple", "S", "-p", "size:int", "--doc", f"size={word}", cwd=tmp_path
    )
    if result.code != 0:
        one_error_line(result)
        return
    check = run_cli("regenerate", "--check", cwd=tmp_path)
    assert check.code == 0, check.out + check.err
    ruff_clean(tmp_path)


def test_a_description_of_a_redeclared_argument_is_kept(run_cli, tmp_path):
    result = run_cli(
        "new", "simple", "S", "-p", "units:int", "--doc", "units=Width.", cwd=tmp_path
    )
    assert result.code == 0, result.err
    assert (
        "units: Positive integer. Width. Required." in (tmp_path / "s.py").read_text()
    )


def test_the_shared_checks_module_is_a_reserved_module_name():
    from keras_scaffold.reserved import shadowed_module

    assert shadowed_module("keras_scaffold_checks")


def test_a_layer_argument_is_a_nested_layer_built_in_build(run_cli, tmp_path):
    assert (
        run_cli("new", "stochastic", "N", "-p", "inner:layer", cwd=tmp_path).code == 0
    )
    module = (tmp_path / "n.py").read_text()
    assert "self.inner.build(input_shape)" in module


@pytest.mark.parametrize(
    ("pattern", "says", "proved_by"),
    [
        (
            "transformer",
            "The mask that comes with the inputs, or one passed as `mask=`, is kept "
            "on the outputs",
            "def test_a_mask_passed_as_mask_stays_on_the_outputs(",
        ),
        (
            "stochastic",
            "That state is not saved, as with `keras.layers.GaussianNoise`",
            "def test_the_seed_state_is_not_saved(",
        ),
        (
            "embedding",
            "(TensorFlow's `InvalidArgumentError`, with XLA too)",
            "def test_a_compiled_model_refuses_them_whatever_it_traced(",
        ),
        (
            "conv",
            "kernel_size: Positive integer or a tuple of 2 positive integers.",
            "def test_kernel_size_and_strides_take_one_integer_and_numpy_integers(",
        ),
    ],
)
def test_the_docstrings_say_what_the_generated_tests_prove(
    run_cli, tmp_path, pattern, says, proved_by
):
    """The issue's edges: each docstring sentence, and the generated test that
    holds the layer to it (which the Keras runs below and the examples run)."""
    assert run_cli("new", pattern, "Block", cwd=tmp_path).code == 0
    docstring = " ".join((tmp_path / "block.py").read_text().split())
    assert says in docstring
    assert proved_by in (tmp_path / "test_block.py").read_text()


# -- With Keras: the generated tests of the issue's declarations pass. ---------

CASES = {
    "Transformer16": ("transformer", ["hidden_dim:int:positive=16"]),
    "ConvValid": (
        "conv",
        [
            "padding:choice:same,valid=valid",
            "kernel_size:ints:1..7=5,5",
            "use_residual:bool=false",
        ],
    ),
    "ConvFirst": (
        "conv",
        ["data_format:choice:channels_last,channels_first=channels_first"],
    ),
    "Embedding3": ("embedding", ["sequence_length:int:positive=3"]),
    "Noiseless": ("stochastic", ["stddev:float:0..1=0"]),
    # A required argument the pattern's docstring example must pass too.
    "CellConstraint": ("rnn_cell", ["con:constraint"]),
    "Objects": (
        "simple",
        ["reg:regularizer", "init:initializer", "con:constraint", "inner:layer"],
    ),
    # Keras weight arguments reach the sub-layers' weights (issue 34).
    "WeightedBlock": (
        "composite",
        [
            "kernel_regularizer:regularizer=l2",
            "bias_initializer:initializer=zeros",
            "bias_constraint:constraint=non_neg",
        ],
    ),
    "WeightedCell": ("rnn_cell", ["kernel_regularizer:regularizer=l2"]),
}


def run_with_report(folder: Path, backend: str | None = None):
    """The tests in `folder`, run with Keras in one pytest process (with
    `backend`, else KERAS_BACKEND's), and each test's outcome by (class, test):
    passed, failure, error or skipped."""
    report = folder.parent / f"{folder.name}-{backend}.xml"
    completed = run_pytest(
        "-o", "addopts=", f"--junitxml={report}", ".", cwd=folder, backend=backend
    )
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        kind = next((child.tag for child in case), "passed")
        outcomes[(case.get("classname").split(".")[-1], case.get("name"))] = kind
    return completed, outcomes


@pytest.fixture(scope="module")
def issue_cases(tmp_path_factory):
    """The issue's declarations, generated into one folder, their tests run once
    (with KERAS_BACKEND's backend) and reported per test."""
    from keras_scaffold.cli import main

    folder = tmp_path_factory.mktemp("declared")
    for class_name, (pattern, specs) in CASES.items():
        args = [arg for spec in specs for arg in ("--param", spec)]
        try:
            main(["new", pattern, class_name, "-o", str(folder), *args])
        except SystemExit as exit_:
            assert exit_.code in (0, None)
    (folder / "test_saved_before_the_first_call.py").write_text(NESTED_PROBE)
    (folder / "test_weight_arguments_probe.py").write_text(WEIGHT_PROBE)
    modules = [snake_case(name) for name in CASES]
    (folder / "test_docstring_examples.py").write_text(
        DOCSTRING_EXAMPLES.format(modules=modules)
    )
    return run_with_report(folder)


# The docstring's example of each component runs as written.
DOCSTRING_EXAMPLES = """\
import importlib
import re
import textwrap

import keras
import pytest


@pytest.mark.parametrize("module", {modules})
def test_the_docstring_example_runs(module):
    namespace = vars(importlib.import_module(module))
    cls = next(v for v in namespace.values() if getattr(v, "__module__", 0) == module)
    code = re.search(r"```python\\n(.*?)```", cls.__doc__, re.S).group(1)
    try:
        exec(textwrap.dedent(code), {{"keras": keras, cls.__name__: cls}})
    except Exception as error:
        # As a channels_first convolution's docstring says.
        if type(error).__name__ != "UnimplementedError" or (
            "on a GPU only" not in " ".join(cls.__doc__.split())
        ):
            raise
        pytest.skip("TensorFlow runs this example on a GPU only")
"""


# A model saved before its first call, around a layer whose `call()` uses its
# nested `layer` argument (as the TODO asks): it reloads with the same weights.
NESTED_PROBE = """\
import keras
import numpy as np

from objects import Objects


@keras.saving.register_keras_serializable(package="probe")
class UsingInner(Objects):
    def call(self, inputs):
        return super().call(self.inner(inputs))  # applied to the inputs


def test_the_nested_layer_is_saved_before_the_first_call(tmp_path):
    layer = UsingInner(
        units=4,
        reg="l2",
        init="glorot_uniform",
        con="non_neg",
        inner=keras.layers.Dense(6),
    )
    inputs = keras.Input(shape=(6,))
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "model.keras")  # before any call on data
    restored = keras.models.load_model(tmp_path / "model.keras")
    data = np.random.default_rng(0).standard_normal((2, 6)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored(data)),
        keras.ops.convert_to_numpy(model(data)),
        rtol=1e-6,
        atol=1e-6,
    )
"""


# A declared kernel_regularizer adds a loss; a bias initializer and constraint
# reach both `Dense` layers of the composite block.
WEIGHT_PROBE = """\
import keras

from weighted_block import WeightedBlock


def test_the_weight_arguments_reach_the_sub_layers():
    block = WeightedBlock(
        hidden_dim=8,
        output_dim=4,
        kernel_regularizer="l2",
        bias_initializer="ones",
        bias_constraint="non_neg",
    )
    block.build((2, 6))
    assert len(block.losses) == 2  # one per `Dense` kernel
    for dense in (block.hidden_dense, block.output_dense):
        assert isinstance(dense.kernel_regularizer, keras.regularizers.L2)
        assert isinstance(dense.bias_constraint, keras.constraints.NonNeg)
        assert float(keras.ops.min(dense.bias)) == 1.0
    # Keras's base `Layer` takes `activity_regularizer`: no declaration needed.
    block = WeightedBlock(
        hidden_dim=8, output_dim=4, kernel_regularizer=None, activity_regularizer="l2"
    )
    block(keras.ops.ones((2, 6)))
    assert len(block.losses) == 1
    assert "activity_regularizer" in block.get_config()
"""


def test_weight_arguments_reach_the_sub_layers(issue_cases):
    completed, outcomes = issue_cases
    probe = (
        "test_weight_arguments_probe",
        "test_the_weight_arguments_reach_the_sub_layers",
    )
    assert outcomes.get(probe) == "passed", completed.stdout[-3000:]
    for class_name, count in (("TestWeightedBlock", 3), ("TestWeightedCell", 1)):
        checks = [
            kind
            for (cls, name), kind in outcomes.items()
            if cls == class_name and name.startswith("test_a_weight_argument")
        ]
        assert checks == ["passed"] * count, (class_name, checks)


def test_a_nested_layer_is_saved_by_a_model_saved_before_its_first_call(issue_cases):
    completed, outcomes = issue_cases
    probe = (
        "test_saved_before_the_first_call",
        "test_the_nested_layer_is_saved_before_the_first_call",
    )
    assert outcomes.get(probe) == "passed", completed.stdout[-3000:]


@pytest.mark.parametrize("class_name", list(CASES))
def test_the_docstring_example_follows_the_declaration(issue_cases, class_name):
    completed, outcomes = issue_cases
    example = (
        "test_docstring_examples",
        f"test_the_docstring_example_runs[{snake_case(class_name)}]",
    )
    outcome = outcomes.get(example)
    if class_name == "ConvFirst" and os.environ.get("KERAS_BACKEND") in (
        None,
        "tensorflow",
    ):
        assert outcome in ("passed", "skipped"), completed.stdout[-3000:]
    else:
        assert outcome == "passed", completed.stdout[-3000:]


@pytest.mark.parametrize("class_name", list(CASES))
def test_the_issues_declarations_give_tests_that_pass(issue_cases, class_name):
    completed, outcomes = issue_cases
    mine = {
        name: kind
        for (cls, name), kind in outcomes.items()
        if cls == f"Test{class_name}"
    }
    failed = {name for name, kind in mine.items() if kind in ("failure", "error")}
    assert mine and not failed, completed.stdout[-4000:]
    # The shared checks run: none of these is ever skipped.
    for check in (
        "test_save_and_load_give_identical_outputs",
        "test_config_round_trip_with_non_default_values",
        "test_invalid_argument_is_refused_in_kerass_words[",
    ):
        ran = [name for name, kind in mine.items() if name.startswith(check)]
        assert ran and all(mine[name] == "passed" for name in ran), (check, mine)
