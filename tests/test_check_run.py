"""`check --run`: the generated tests' shared checks, run on existing classes.

Each run starts one pytest subprocess (TensorFlow, unless a test says otherwise) for
every class it is given, so the tests below give each run several classes and few
runs in all.
"""

import json
import re
import shutil
import xml.etree.ElementTree as ElementTree

import pytest
from conftest import EXAMPLES, PATTERNS, REPO
from test_backends import INSTALL_HINTS
from test_render import EVERY_TYPE

from keras_scaffold import adopt
from keras_scaffold.check import failures, run
from keras_scaffold.check.catalog import BY_ID, RUN_RULES

FIXTURES = REPO / "tests" / "check_fixtures"


@pytest.fixture(autouse=True)
def _tensorflow(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")


def by_class(out: str) -> dict[str, set[str]]:
    """Rule IDs of the KS9 findings in --format json output, by class."""
    found: dict[str, set[str]] = {}
    for finding in json.loads(out):
        if finding["rule"].startswith("KS9"):
            name = finding["message"].split(":")[0]
            found.setdefault(name, set()).add(finding["rule"])
    return found


def run_findings(run_cli, tmp_path, *args: str):
    """`check --run` of the KS9 rules alone, as JSON, in `tmp_path`."""
    return run_cli(
        "check", "--run", "--select", "KS9", "--format", "json", *args, cwd=tmp_path
    )


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_the_guides_dynamic_defects_are_reported(
    backend, run_cli, tmp_path, monkeypatch
):
    """On every backend (the run's pytest subprocess takes the user's
    KERAS_BACKEND): the guide's defects are found, generated layers pass, and a
    layer that calls `tf.math` passes on TensorFlow only."""
    if backend != "tensorflow":
        pytest.importorskip(backend, reason=INSTALL_HINTS[backend])
    monkeypatch.setenv("KERAS_BACKEND", backend)
    result = run_cli(
        "check",
        "--run",
        "--format",
        "json",
        str(FIXTURES / "guide_composite_layer.py"),
        str(FIXTURES / "guide_stateful_layer.py"),
        str(FIXTURES / "tensorflow_only_layer.py"),
        str(EXAMPLES / "mlp_block.py"),
        str(EXAMPLES / "running_memory.py"),
        cwd=tmp_path,
    )
    assert result.code == 1, result.err
    found = by_class(result.out)
    # CompositeLayer's sub-layers ignore the dtype policy: mixed precision fails.
    assert "KS904" in found["CompositeLayer"]
    # StatefulLayer adds its float32 state to float16 activations, and moves its
    # state in inference too.
    assert {"KS904", "KS906"} <= found["StatefulLayer"]
    elsewhere = {"TensorFlowOnlyLayer"} if backend != "tensorflow" else set()
    assert set(found) == {"CompositeLayer", "StatefulLayer"} | elsewhere
    messages = [f["message"] for f in json.loads(result.out)]
    assert any(
        "test_mixed_precision_computes_in_half_and_keeps_float32_weights" in m
        and m.startswith("StatefulLayer:")
        for m in messages
    )
    # The static rules run too.
    assert any(f["rule"] == "KS203" for f in json.loads(result.out))


def test_fixed_samples_and_generated_examples_report_nothing(run_cli, tmp_path):
    """The fixed guide samples (their arguments from pyproject.toml, as a user's
    project gives them) and generated examples of several patterns."""
    for name in ("composite", "documented", "dynamic", "orchestration", "stateful"):
        shutil.copy(FIXTURES / f"guide_{name}_layer_fixed.py", tmp_path)
    shutil.copy(FIXTURES / "guide_custom_model_fixed.py", tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        """[tool.keras-scaffold.check]
input-shape = {DocumentedLayer = [2, 4]}

[tool.keras-scaffold.check.init]
DynamicLayer = {layer_configs = [{type = "dense", units = 3}]}
OrchestrationLayer = {hidden_dims = [4, 3]}
StatefulLayer = {units = 3}
CustomModel = {num_classes = 3, hidden_dims = [4]}
""",
        "utf-8",
    )
    result = run_cli(
        "check",
        "--run",
        str(tmp_path),
        str(EXAMPLES / "mlp_classifier.py"),
        str(EXAMPLES / "running_memory.py"),
        str(EXAMPLES / "dense_stack.py") + "::DenseStack",
        cwd=tmp_path,
    )
    assert result.code == 0, result.out
    assert result.out.startswith("All checks passed"), result.out


def test_a_config_that_keeps_a_value_at_its_default_is_reported(run_cli, tmp_path):
    """The round trip cannot see it (the default comes back as the default, and
    the outputs never read the penalty), so the checks compare the config with
    one of a layer left at the default; the fixed layer passes."""
    source = (FIXTURES / "stale_config_layer.py").read_text("utf-8")
    fixed = source.replace('"penalty": 0.0}', '"penalty": self.penalty}')
    assert fixed != source
    (tmp_path / "fixed").mkdir()
    (tmp_path / "fixed" / "fixed_config_layer.py").write_text(
        fixed.replace("class PenalizedDense", "class FixedPenalizedDense"), "utf-8"
    )
    arguments = '{"units": 4, "penalty": 0.01}'
    result = run_findings(
        run_cli,
        tmp_path,
        "--init",
        f"PenalizedDense.other={arguments}",
        "--init",
        f"FixedPenalizedDense.other={arguments}",
        str(FIXTURES / "stale_config_layer.py"),
        str(tmp_path / "fixed" / "fixed_config_layer.py"),
    )
    assert result.code == 1, result.out
    found = by_class(result.out)
    assert found == {"PenalizedDense": {"KS901"}}, result.out
    assert "penalty" in result.out


def test_what_half_fixed_samples_still_do_wrong_is_reported(run_cli, tmp_path):
    """Samples fixed for the static rules only. StatefulLayer's cast_only fix casts
    its state (no KS904 now), but it still moves the
    state in inference (guide-defects.md, section 2), which repeatable inference,
    save/load and compiled predict catch. CustomModel's config holds a tuple that
    JSON turns into a list, and it has no build()."""
    result = run_findings(
        run_cli,
        tmp_path,
        str(FIXTURES / "guide_stateful_layer_cast_only.py"),
        str(FIXTURES / "guide_custom_model_static_fixed.py"),
    )
    assert result.code == 1
    found = by_class(result.out)
    assert "KS904" not in found["StatefulLayer"]
    assert {"KS902", "KS906"} <= found["StatefulLayer"]
    assert {"KS901", "KS903"} <= found["CustomModel"]


PICKY = """import keras


@keras.saving.register_keras_serializable(package="demo")
class Picky(keras.layers.Layer):
    def __init__(self, table, *, mode: str, **kwargs):
        super().__init__(**kwargs)
        self.table, self.mode = table, mode

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "table": self.table, "mode": self.mode}
"""


def test_a_class_whose_arguments_cannot_be_guessed_is_one_finding(run_cli, tmp_path):
    """No subprocess: nothing here can be constructed."""
    (tmp_path / "layers.py").write_text(PICKY, "utf-8")
    result = run_cli("check", "--run", "layers.py", cwd=tmp_path)
    assert result.code == 1
    assert result.out.startswith(
        "layers.py:5:1: KS900 Picky: needs arguments no sample can be found for "
        '(table, mode); pass --init \'Picky={"table": "...", "mode": "..."}\'\n'
    )
    github = run_cli("check", "--run", "--format", "github", "layers.py", cwd=tmp_path)
    assert github.code == 1
    assert github.out.startswith("::error file=layers.py,line=5,col=1,title=KS900::")
    # Selecting no KS9 rule runs nothing.
    quiet = run_cli("check", "--run", "--select", "KS1", "layers.py", cwd=tmp_path)
    assert (quiet.code, quiet.out) == (0, "All checks passed (1 class in 1 file).\n")


def test_a_config_bug_is_reported_beside_a_class_that_cannot_be_set_up(
    run_cli, tmp_path
):
    """One class whose test file cannot be set up (it needs a sequence input) is
    one KS900; the class beside it still runs, and its get_config that drops
    `use_norm` is reported (pytest stopped the whole run at the first collection
    error, and the run read as clean for the other class)."""
    result = run_findings(
        run_cli, tmp_path, str(FIXTURES / "real" / "run_two_classes.py")
    )
    assert result.code == 1, result.out
    assert by_class(result.out) == {
        "NeedsSequence": {"KS900"},
        "DropsNorm": {"KS901"},
    }, result.out
    assert "use_norm" in result.out


def test_a_call_input_no_setting_gives_is_one_ks900_whose_hint_is_the_setting(
    run_cli, tmp_path
):
    """`GatherHead.call` needs `positions` besides its inputs: `--init` cannot
    give it, so the hint is the `call-inputs` line that does (it pointed at
    `--init`)."""
    shutil.copy(FIXTURES / "hub_like" / "layers.py", tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.keras-scaffold.check]\ninput-shape = {GatherHead = [2, 5, 8]}\n",
        "utf-8",
    )
    result = run_findings(run_cli, tmp_path, "layers.py::GatherHead")
    found = json.loads(result.out)
    assert [(f["rule"], f["message"]) for f in found] == [
        (
            "KS900",
            "GatherHead: cannot run the checks: TypeError: missing a required "
            "argument: 'positions'",
        ),
    ], result.out
    hint = found[0]["hint"]
    assert "call-inputs = {GatherHead = {positions = " in hint, hint
    assert "--init" not in hint, hint
    # With the settings (hub_like's holds that line), every check runs: the only
    # finding is the true quantize KS909 of the keras-hub-shaped test above.
    shutil.copy(FIXTURES / "hub_like" / "pyproject.toml", tmp_path)
    result = run_findings(run_cli, tmp_path, "layers.py::GatherHead")
    found = json.loads(result.out)
    assert [f["rule"] for f in found] == ["KS909"], result.out
    assert "test_quantize_save_and_load" in found[0]["message"]
    # The quantize round trip has a rule of its own: --ignore KS902 keeps it.
    result = run_cli(
        "check", "--run", "--select", "KS9", "--ignore", "KS902", "--format",
        "json", "layers.py::GatherHead", cwd=tmp_path,
    )  # fmt: skip
    assert [f["rule"] for f in json.loads(result.out)] == ["KS909"], result.out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--init", "Picky={}"], "--init and --input-shape go with --run"),
        (["--run", "--init", "Picky"], "give CLASS=JSON"),
        (["--run", "--init", "Picky={units"], "--init Picky: not valid JSON"),
        (["--run", "--init", "Picky=[1]"], "give a JSON object of arguments"),
        (["--run", "--input-shape", "2,x"], "--input-shape `2,x`: give positive"),
        (["--run", "--input-shape", "8"], "give positive sizes, batch first"),
    ],
)
def test_bad_run_options_are_one_line_and_exit_2(run_cli, tmp_path, args, message):
    (tmp_path / "layers.py").write_text("x = 1\n", "utf-8")
    result = run_cli("check", *args, "layers.py", cwd=tmp_path)
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert result.out == ""


CORPUS = FIXTURES / "corpus"


@pytest.mark.parametrize(
    ("backend", "cause"),
    [
        ("tensorflow", "OperatorNotAllowedInGraphError: Using a symbolic"),
        ("jax", "TracerBoolConversionError: Attempted boolean conversion"),
    ],
)
def test_each_cause_is_one_finding_at_the_users_line(
    run_cli, tmp_path, monkeypatch, backend, cause
):
    """Issue 35. A Python `if` on a tensor fails every check that traces the
    layer: one finding (it was 7 or 8, across KS901-KS907), at the `if`, that
    lists the checks it broke, quotes the cause and hints at the cause. A failure
    inside JAX (a Keras variable that `keras.ops.where` hands to JAX, which no
    longer converts it) is named as such, with the inner error quoted (KS900 said
    only "Exception encountered when calling ...") and no `--init` hint. A
    `weights` argument that Keras's own `Embedding` leaves out of its config is
    no KS901. The summary counts the classes run, not every class of the files."""
    monkeypatch.setenv("KERAS_BACKEND", backend)
    branchy = FIXTURES / "real" / "run_python_branch.py"
    result = run_cli(
        "check", "--run", "--format", "json", f"{branchy}::Branchy",
        f"{CORPUS / 'run_jax_variable.py'}::SoftExponential",
        f"{CORPUS / 'run_forwarded_weights.py'}::EmbedReduce",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 1, result.out + result.err
    found = json.loads(result.out)
    by_name = {}
    for finding in found:
        by_name.setdefault(finding["message"].split(":")[0], []).append(finding)
    (branch,) = by_name.pop("Branchy")
    # On JAX, Keras 3.15.1 cannot re-raise JAX's error: the traceback never
    # reaches the `if`, and the finding is on the class line.
    line = 7 if backend == "tensorflow" else 5
    assert (branch["rule"], branch["line"]) == ("KS910", line), branch
    assert cause in branch["message"], branch
    assert "Exception encountered" not in branch["message"], branch
    assert "test_compiled_predict_matches_eager_for_any_batch_size" in (
        branch["message"]
    )
    assert len(re.findall(r"test_\w+", branch["message"])) >= 5, branch
    assert "keras.ops.cond" in branch["hint"], branch
    soft = by_name.pop("SoftExponential")
    if backend == "jax":
        (soft,) = soft
        assert (soft["rule"], soft["line"]) == ("KS900", 29), soft
        assert "inside JAX" in soft["message"], soft
        assert "Triggering __jax_array__() during abstractification" in (
            soft["message"]
        )
        assert "Exception encountered" not in soft["message"], soft
        assert "--init" not in soft["hint"] and "convert_to_tensor" in soft["hint"]
    else:  # at `alpha=0.0`, `where` picks a constant: no gradient reaches alpha
        assert [(f["rule"], "alpha" in f["message"]) for f in soft] == [
            ("KS906", True),
            ("KS911", False),
        ], soft
        # True too: tf2onnx writes `ops.expm1` as an Expm1 onnxruntime lacks.
        assert "test_export_to_onnx" in soft[1]["message"], soft
        assert "Expm1" in soft[1]["message"], soft
    for finding in by_name.pop("EmbedReduce", []):
        assert "weights" not in finding["message"], finding
    assert by_name == {}, by_name
    text = run_cli(
        "check", "--run", "--select", "KS910", f"{branchy}::Branchy", cwd=tmp_path
    )
    assert text.out.endswith("(1 class in 1 file).\n"), text.out


def test_the_users_frame_is_found_by_the_path_pytest_shows(tmp_path):
    """pytest shows a frame's path relative to the folder it ran in where that is
    shorter (`../project/...`, as for a project beside the temporary folder):
    the frame is the user's all the same (the real k3-node run in /tmp lost it)."""
    (tmp_path / "run").mkdir()
    problem = ElementTree.fromstring(
        "<error message='collection failure'>"
        "test_adopted_0_soft.py:54: in measure\n"
        "../project/pkg/core.py:45: in call\n"
        "/venv/site-packages/jax/_src/numpy/lax_numpy.py:2799: in where\n"
        "E   ValueError: Exception encountered when calling Soft.call().\n"
        "E   \n"
        "E   #x1B[1mTriggering __jax_array__() during abstractification is no "
        "longer supported. To avoid this error, convert it.#x1B[0m\n"
        "E   \n"
        "E   Arguments received by Soft.call():\n"
        "</error>"
    )
    failure = failures.read(problem, tmp_path / "project", tmp_path / "run")
    assert failure.frame == (str(tmp_path / "project/pkg/core.py"), 45, "call")
    assert failure.inside == "JAX"
    assert failure.error == (
        "ValueError: Triggering __jax_array__() during abstractification is no "
        "longer supported"
    )


def test_a_named_class_is_all_that_is_checked_and_counted(run_cli, tmp_path):
    """No subprocess: Picky cannot be constructed. `layers.py::Picky` checks
    Picky: the class beside it is neither reported nor counted."""
    (tmp_path / "layers.py").write_text(
        PICKY + "\n\nclass Unregistered(keras.layers.Layer):\n    pass\n", "utf-8"
    )
    whole = run_cli("check", "--run", "layers.py", cwd=tmp_path)
    assert "KS101 `Unregistered`" in whole.out
    assert whole.out.endswith("(2 classes in 1 file).\n"), whole.out
    named = run_cli("check", "--run", "layers.py::Picky", cwd=tmp_path)
    assert "Unregistered" not in named.out, named.out
    assert named.out.endswith("Found 1 finding(s) (1 class in 1 file).\n"), named.out


def test_samples_come_from_the_signature():
    source = """import keras
from typing import Optional


class A(keras.layers.Layer):
    def __init__(self, units: int, rate: "float", flag: bool, extra: Optional[int],
                 other: int | None, label="x", *, size: int, name: str = "a",
                 **kwargs):
        super().__init__(**kwargs)


class B(A):
    pass


class C(keras.layers.Layer):
    def __init__(self, table: dict, mode: str, **kwargs):
        super().__init__(**kwargs)
"""
    options = adopt.Options(init={"C": {"table": {}, "mode": "sum"}})
    targets = {
        t.class_name: t for t in adopt.find_targets(FIXTURES / "x.py", source, options)
    }
    assert targets["A"].init == {
        "units": 4,
        "rate": 0.5,
        "flag": True,
        "extra": 4,
        "other": 4,
        "size": 4,
    }
    # No __init__ of its own: constructed with its parent's signature.
    assert targets["B"].init == targets["A"].init
    assert targets["C"].init == {"table": {}, "mode": "sum"}
    assert targets["A"].input_shape == (2, 8)


def test_an_inherited_signature_is_read_across_files(tmp_path):
    """`class B(A): pass` with A in another module of the package: B is
    constructed with A's arguments (it was constructed with none, and failed)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "base.py").write_text(
        "import keras\n\n\nclass A(keras.layers.Layer):\n"
        "    def __init__(self, units: int, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
    )
    sub = tmp_path / "pkg" / "sub.py"
    sub.write_text("from pkg.base import A\n\n\nclass B(A):\n    pass\n")
    (target,) = adopt.find_targets(sub, sub.read_text(), adopt.Options())
    assert (target.class_name, target.init) == ("B", {"units": 4})


def test_the_missing_arguments_example_guesses_sizes_as_ints():
    """A size pasted from the hint as "..." is a string; names that say size get
    an int placeholder (the rest stay "...")."""
    source = (
        "import keras\n\n\nclass Head(keras.layers.Layer):\n"
        "    def __init__(self, vocabulary_size, num_heads, table, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
    )
    (target,) = adopt.find_targets(FIXTURES / "x.py", source, adopt.Options())
    assert adopt.missing_message(target).endswith(
        '\'Head={"vocabulary_size": 4, "num_heads": 4, "table": "..."}\''
    )


def test_each_shared_check_reports_under_a_documented_rule():
    checks = (REPO / "templates" / "_shared" / "checks.py.jinja").read_text()
    tests = re.findall(r"def (test_\w+)\(", checks)
    assert len(tests) > 10
    rules = {name: run.rule_for(name) for name in tests}
    assert "KS908" not in rules.values(), rules
    # KS900: the checks cannot run; KS910: one cause breaks several checks.
    assert set(rules.values()) | {"KS900", "KS908", "KS910"} == {
        r.id for r in RUN_RULES
    }
    assert rules["test_quantize_save_and_load_give_identical_outputs"] == "KS909"
    assert all(rule in BY_ID for rule in rules.values())


def test_explain_a_run_rule(run_cli, tmp_path):
    result = run_cli("check", "--explain", "ks904", cwd=tmp_path)
    assert result.code == 0
    assert result.out.startswith("KS904: the dtype policy is not followed (Running")
    assert "Bad:" not in result.out


def test_every_pattern_new_generates_reports_nothing(run_cli, tmp_path):
    """Every pattern's module, and one declaring parameters, in one run; the
    arguments its signature cannot give (a list of layer configs, a transformer's
    matching width, token ids for the embedding) from pyproject.toml."""
    for pattern in PATTERNS:
        name = "Sample" + "".join(word.capitalize() for word in pattern.split("_"))
        made = run_cli("new", pattern, name, "--output", "out", cwd=tmp_path)
        assert made.code == 0, made.err
    # Declared parameters of every plain type.
    typed = [f"--param={spec}" for spec in EVERY_TYPE if not spec.endswith(":layer")]
    made = run_cli("new", "composite", "SampleTyped", *typed, "-o", "out", cwd=tmp_path)
    assert made.code == 0, made.err
    (tmp_path / "pyproject.toml").write_text(
        """[tool.keras-scaffold.check]
input-shape = {SampleTransformer = [2, 4, 8], SampleEmbedding = [2, 4], \
SamplePooling = [2, 4, 8], SampleConv = [2, 6, 6, 3], SampleRnnCell = [2, 5, 4]}
input-dtype = {SampleEmbedding = "int32"}

[tool.keras-scaffold.check.init]
SampleTransformer = {hidden_dim = 8, intermediate_dim = 16}

[tool.keras-scaffold.check.init.SampleDynamic]
sublayers = [{module = "keras.layers", class_name = "Dense", config = {units = 3}}]
""",
        "utf-8",
    )
    # Test files are not layers to run.
    modules = sorted(
        str(path.relative_to(tmp_path))
        for path in (tmp_path / "out").glob("sample_*.py")
    )
    result = run_cli("check", "--run", *modules, cwd=tmp_path)
    assert result.code == 0, result.out
    assert result.out == (
        f"All checks passed ({len(modules)} classes in {len(modules)} files).\n"
    )


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_layers_shaped_like_keras_hubs_run_without_false_findings(
    run_cli, tmp_path, monkeypatch, backend
):
    """A second call input (`call-inputs`), a heads axis that is no time axis
    (`variable-axes`), a layer built in `__init__` and one whose declared maximum
    length is the sample's: each runs (keras-hub's layers fail the same way;
    benchmarks/corpus.py --run runs twelve of them). The one finding each of the
    two layers with a `Dense` or `MultiHeadAttention` inside gets is true: written
    as keras-hub writes them, they do not save their quantized sub-layers'
    policies, so a quantized model does not reload (issue 26)."""
    monkeypatch.setenv("KERAS_BACKEND", backend)
    folder = tmp_path / "hub_like"
    shutil.copytree(FIXTURES / "hub_like", folder)
    result = run_findings(run_cli, tmp_path, str(folder / "layers.py"))
    found = json.loads(result.out)
    assert [(f["rule"], f["message"].split(": ")[0]) for f in found] == [
        ("KS909", "CrossAttention"),
        ("KS909", "GatherHead"),
    ], (
        result.out + result.err
    )
    for finding in found:
        assert "test_quantize_save_and_load_give_identical_outputs failed" in (
            finding["message"]
        )
        assert "could not be loaded" in finding["message"]
        # The hint names this check's fix, not the category's (registration).
        assert "DTypePolicyMap" in finding["hint"], finding["hint"]
        assert "register" not in finding["hint"], finding["hint"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('call-inputs = {Shift = {value = "input"}}', "`value` must be"),
        ("call-inputs = {Shift = {inputs = 'inputs'}}", "not a `call` argument"),
        ('call-inputs = {Shift = {"a b" = "inputs"}}', "not a `call` argument"),
        ("call-inputs = {Shift = {ids = {shape = [3], dtype = 'int32'}}}", "max = N"),
        ("call-inputs = {Shift = {ids = {shape = [0], max = 2}}}", "`ids` must be"),
        ('call-inputs = "inputs"', "a table by class name"),
        ("variable-axes = {Shift = [0]}", "from 1 to 1"),
        ("variable-axes = {Shift = [1, 1]}", "each once"),
        ("variable-axes = {Shift = 1}", "the axes after the batch"),
    ],
)
def test_bad_call_inputs_and_variable_axes_are_one_line(
    run_cli, tmp_path, setting, message
):
    (tmp_path / "layers.py").write_text(
        (FIXTURES / "hub_like" / "layers.py")
        .read_text()
        .replace("class HeadBias", "class Shift"),
        "utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.keras-scaffold.check]\n{setting}\n", "utf-8"
    )
    result = run_cli("check", "--run", "layers.py::Shift", cwd=tmp_path)
    assert result.code == 2, result.out
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_layers_with_two_outputs_are_held_to_each_output(
    backend, run_cli, tmp_path, monkeypatch
):
    """A tuple of two outputs and a dict of two, each with `compute_output_shape`
    in the same structure: the checks compare the outputs one by one (shapes,
    dtypes, values), so the correct layers get no finding, and the one whose
    config lacks its second output's width still gets KS901."""
    monkeypatch.setenv("KERAS_BACKEND", backend)
    result = run_findings(
        run_cli,
        tmp_path,
        "--init",
        'SplitProjection.other={"units": 3, "gate_units": 5}',
        "--init",
        'MeanAndScale.other={"units": 5}',
        "--init",
        'BrokenSplit.other={"units": 3, "gate_units": 5}',
        str(FIXTURES / "multi_output_layers.py"),
    )
    found = by_class(result.out)
    assert found == {"BrokenSplit": {"KS901"}}, result.out
    assert "gate_units" in result.out
