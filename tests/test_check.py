"""`keras-scaffold check`: the static audit, on real files (no mocks)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, PATTERNS, REPO
from test_render import EVERY_TYPE

from keras_scaffold.check import check_source
from keras_scaffold.check.catalog import BY_ID, RULES
from keras_scaffold.check.keras2 import REMOVED_BACKEND_FUNCTIONS

FIXTURES = Path(__file__).parent / "check_fixtures"

# What a static reading finds in each of the guide's samples. guide-defects.md's
# defects are CompositeLayer's sub-layers without the dtype policy (KS203),
# OrchestrationLayer's missing build() (KS202), DynamicLayer's sub-layer configs
# handed back to __init__ (KS106) and CustomModel's mutable default (KS501, off by
# default: tested below); the
# guide registers every class without a package (KS102). OrchestrationLayer,
# CustomModel and StatefulLayer also create sub-layers without the dtype policy.
# DynamicLayer passes each sub-layer's config as **kwargs, so KS203 cannot tell;
# StatefulLayer's uncast state is a runtime fact (`check --run`), not a static one.
GUIDE = {
    "simple_custom_layer": {"KS102"},
    "composite_layer": {"KS102", "KS203"},
    "orchestration_layer": {"KS102", "KS202", "KS203"},
    "documented_layer": {"KS102"},
    "dynamic_layer": {"KS102", "KS106", "KS202"},
    "stateful_layer": {"KS102", "KS203"},
    "custom_model": {"KS102", "KS203"},
}


def rules_in(path: Path) -> set[str]:
    return {f.rule for f in check_source(str(path), path.read_text())}


def findings(source: str, rules: set[str] | None = None) -> list[tuple[int, str]]:
    """(line, rule) of each finding; the default rules unless `rules`."""
    return [(f.line, f.rule) for f in check_source("x.py", source, rules)]


EVERY_RULE = {rule.id for rule in RULES}


# ---------------------------------------------------------------- the guide


@pytest.mark.parametrize("sample", sorted(GUIDE))
def test_guide_sample_defects_are_found_with_the_right_rule(sample):
    assert rules_in(FIXTURES / f"guide_{sample}.py") == GUIDE[sample]


@pytest.mark.parametrize("sample", sorted(GUIDE))
def test_fixed_guide_sample_is_clean(sample):
    assert rules_in(FIXTURES / f"guide_{sample}_fixed.py") == set()


def test_defects_point_at_the_offending_code(run_cli):
    result = run_cli("check", "guide_composite_layer.py", cwd=FIXTURES)
    assert result.code == 1
    lines = result.out.splitlines()
    assert (
        "guide_composite_layer.py:134:23: KS203 `Dense` is created without "
        "`dtype=self.dtype_policy`" in lines[2]
    )
    assert lines[3] == (
        "  hint: pass `dtype=self.dtype_policy` to the sub-layer "
        "(see `keras-scaffold new composite`)"
    )
    dynamic = run_cli("check", "guide_dynamic_layer.py", cwd=FIXTURES).out
    assert "KS106 `DynamicLayer.get_config` stores `layer.get_config()`" in dynamic


def test_guide_test_code_is_not_layer_code():
    # tf.GradientTape and ops.random in a test class: not a Keras class, no finding.
    assert rules_in(FIXTURES / "guide_test_suite.py") == set()


# ---------------------------------------------------------------- no false alarms


@pytest.mark.parametrize("specs", [(), tuple(EVERY_TYPE)], ids=["own", "every-type"])
def test_every_generated_module_is_clean(run_cli, tmp_path, specs):
    for pattern in PATTERNS:
        args = [f"--param={spec}" for spec in specs]
        class_name = "".join(part.title() for part in pattern.split("_")) + "Thing"
        made = run_cli("new", pattern, class_name, "-o", "pkg", *args, cwd=tmp_path)
        assert made.code == 0, made.err
    result = run_cli("check", "pkg", cwd=tmp_path)
    assert result.code == 0, result.out
    # Each module and its test, and the checks module the tests share.
    files = sorted((tmp_path / "pkg").glob("*.py"))
    assert len(files) >= 2 * len(PATTERNS)
    audited = re.fullmatch(
        rf"All checks passed \((\d+) classes in {len(files)} files\)\.\n", result.out
    )
    # Every pattern's class, and the helper classes some test files define.
    assert audited and int(audited.group(1)) >= len(PATTERNS), result.out


def test_a_project_made_by_init_is_clean(run_cli, tmp_path):
    assert run_cli("init", "proj", cwd=tmp_path).code == 0
    project = tmp_path / "proj"
    for pattern in PATTERNS:
        class_name = "".join(part.title() for part in pattern.split("_")) + "Thing"
        assert run_cli("new", pattern, class_name, cwd=project).code == 0
    result = run_cli("check", ".", cwd=project)
    assert result.code == 0, result.out


def test_generated_examples_are_clean(run_cli):
    result = run_cli("check", str(EXAMPLES), cwd=REPO)
    assert result.code == 0, result.out
    assert result.out.startswith("All checks passed")


def test_the_benchmarks_are_clean(run_cli):
    # train_step.py holds Keras reference layers written by hand.
    result = run_cli("check", "benchmarks", cwd=REPO)
    assert result.code == 0, result.out


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_each_rules_bad_example_breaks_it_and_good_one_breaks_none(rule):
    assert rule.id in {r for _, r in findings(rule.bad, EVERY_RULE)}
    assert findings(rule.good, EVERY_RULE) == []


HEAD = 'import keras\n\n\n@keras.saving.register_keras_serializable(package="p")\n'


def test_classes_are_found_through_every_spelling_of_layer_and_model():
    source = """
import keras
from keras import layers
from keras.layers import Layer as Base
import keras.layers as kl

class A(keras.layers.Layer): pass
class B(keras.Layer): pass
class C(layers.Layer): pass
class D(Base): pass
class E(kl.Layer): pass
class F(keras.Model): pass
class G(keras.layers.Dense): pass
class H(A): pass
class NotKeras(object): pass
"""
    lines = {line for line, rule in findings(source) if rule == "KS101"}
    # A is subclassed in the file (a base class): not asked to register.
    assert lines == {8, 9, 10, 11, 12, 13, 14}


def test_a_librarys_own_registering_decorator_counts():
    source = """import keras
from lib.api_export import lib_export
from lib import registry


@lib_export("lib.layers.A")
class A(keras.layers.Layer):
    pass


@registry.register("B")
class B(keras.layers.Layer):
    pass


@some_decorator
class C(keras.layers.Layer):
    pass
"""
    assert findings(source) == [(17, "KS101")]


def test_tf_keras_classes_are_found_and_their_imports_reported():
    source = """import tensorflow as tf
from tensorflow.keras import layers
from tensorflow import keras

class A(tf.keras.layers.Layer):
    def call(self, x):
        return tf.nn.relu(tf.keras.activations.relu(x))

class B(layers.Layer):
    pass
"""
    assert findings(source) == [
        (2, "KS404"),
        (3, "KS404"),
        (5, "KS101"),
        (5, "KS404"),
        (7, "KS301"),  # tf.nn
        (7, "KS404"),  # tf.keras, not also KS301
        (9, "KS101"),
    ]


def test_config_rules():
    source = HEAD + """class A(keras.layers.Layer):
    def __init__(self, units, rate=0.1, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.units, self.rate = units, rate

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config
"""
    # `name` goes to the parent; `rate` is missing.
    assert findings(source) == [(6, "KS104")]
    unknown = source.replace('config["units"] = self.units', "config.update(self.c)")
    assert findings(unknown) == []  # cannot tell which keys: silent
    elsewhere = source.replace("return config", "return self.make_config()")
    assert findings(elsewhere) == []
    merged = source.replace("return config", 'return config | {"rate": self.rate}')
    assert findings(merged) == []
    no_config = source.split("    def get_config")[0]
    assert findings(no_config) == []  # plain values: Keras's automatic config
    objects = no_config.replace(
        "rate=0.1,", "rate=0.1, init=keras.initializers.Ones(),"
    )
    assert findings(objects) == [(6, "KS103")]
    annotated = no_config.replace("rate=0.1,", "rate=0.1, inner: keras.Layer = None,")
    assert findings(annotated) == [(6, "KS103")]
    read = no_config.replace(
        "self.units, self.rate = units, rate",
        "self.units, self.rate = keras.initializers.get(units), rate",
    )
    assert findings(read) == [(6, "KS103")]
    no_super = source.replace("super().get_config()", "{}")
    assert (10, "KS105") in findings(no_super)


def test_base_keys_lost_name_their_own_consequences():
    """KS105 says what each lost key does, and a layer with no weights may leave out
    `trainable` (Keras's InputLayer, Discretization, HashedCrossing and spatial
    dropouts do): it changes nothing there."""
    weightless = HEAD + """class Shift(keras.layers.Layer):
    def __init__(self, amount=1.0, **kwargs):
        super().__init__(**kwargs)
        self.amount = amount

    def call(self, inputs):
        return inputs + self.amount

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype_policy, "amount": self.amount}
"""
    assert findings(weightless) == []
    weighted = weightless.replace(
        "        return inputs + self.amount\n",
        "        return inputs + self.amount * self.scale\n\n"
        "    def build(self, input_shape):\n"
        '        self.scale = self.add_weight(shape=(), initializer="ones")\n',
    )
    (finding,) = check_source("x.py", weighted)
    assert finding.rule == "KS105"
    assert finding.message.endswith("a loaded layer is trainable again")
    unnamed = weightless.replace('"name": self.name, ', "")
    (finding,) = check_source("x.py", unnamed)
    assert finding.message.endswith("a loaded layer gets a new name")
    # A key `__init__` does not take cannot be in the config (Keras's Pipeline
    # takes no `dtype`): KS107 would report it there.
    fixed = weightless.replace(
        "amount=1.0, **kwargs):\n        super().__init__(**kwargs)",
        "amount=1.0, name=None):\n        super().__init__(name=name)",
    ).replace('"dtype": self.dtype_policy, ', "")
    assert findings(fixed) == []


def test_config_is_inherited_within_the_file():
    source = (
        HEAD
        + """class Base(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def get_config(self):
        return {**super().get_config(), "units": self.units}


"""
        + HEAD
        + """class Child(Base):
    def __init__(self, units, extra=1, **kwargs):
        super().__init__(units, **kwargs)
        self.extra = extra
"""
    )
    # `units` goes to Base, whose get_config saves it; `extra` is saved by nobody.
    assert findings(source) == [(19, "KS104")]


def test_sub_layers_in_call_and_helpers():
    source = HEAD + """class A(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = self._make()

    def _make(self):
        return keras.layers.Dense(2, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.w = self.add_weight(shape=(2,))

    def call(self, x):
        y = keras.layers.Activation("relu", dtype=self.dtype_policy)(x)
        self.v = self.add_weight(shape=(2,))
        return self._later(y)

    def _later(self, y):
        return keras.layers.Dense(2, dtype=self.dtype_policy)(y)
"""
    # _make runs from __init__ (fine); call and _later run on every call. The
    # Activation has no weights: wasteful, not reported.
    assert findings(source) == [(19, "KS204"), (23, "KS201")]


def test_no_build_rule_skips_models_stateless_layers_and_inherited_builds():
    layer = HEAD + """class A(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.drop = keras.layers.Dropout(0.1, dtype=self.dtype_policy)

    def call(self, x):
        return self.drop(x)
"""
    assert findings(layer) == []
    model = layer.replace("keras.layers.Layer", "keras.Model").replace(
        "Dropout(0.1", "Dense(1"
    )
    assert findings(model) == []
    dense = layer.replace("Dropout(0.1", "Dense(1")
    assert findings(dense) == [(5, "KS202")]
    assert findings(dense.replace("keras.layers.Layer", "keras.layers.Dense")) == []


def test_keras2_leftovers():
    source = """import keras
import keras.backend as K
from keras.backend import int_shape, floatx
from keras.engine.base_layer import Layer


class A(Layer):
    def build(self, input_shape):
        self.built = True

    def call(self, x):
        return K.dot(x, x) * K.epsilon() + keras.backend.batch_dot(x, x)

    def get_output_shape_for(self, input_shape):
        return input_shape
"""
    assert findings(source, EVERY_RULE) == [
        (3, "KS401"),
        (4, "KS404"),
        (7, "KS101"),
        (9, "KS402"),
        (12, "KS401"),  # K.dot
        (12, "KS401"),  # keras.backend.batch_dot
        (14, "KS403"),
    ]
    with_super = source.replace(
        "self.built = True", "super().build(input_shape)\n        self.built = True"
    )
    assert (9, "KS402") not in findings(with_super, EVERY_RULE)
    # A style rule: off unless selected.
    assert (9, "KS402") not in findings(source)


def test_removed_backend_functions_are_really_gone_from_keras_3():
    keras = pytest.importorskip("keras")
    assert not set(REMOVED_BACKEND_FUNCTIONS) & set(dir(keras.backend))
    for replacement in REMOVED_BACKEND_FUNCTIONS.values():
        for module, name in re.findall(r"`keras\.(ops|random)\.(\w+)", replacement):
            assert hasattr(getattr(keras, module), name), replacement


def test_backend_code_is_reported_in_layers_only():
    source = (
        "import jax.numpy as jnp\nimport torch\n"
        + HEAD
        + """class A(keras.layers.Layer):
    def call(self, x):
        import tensorflow as tf
        return jnp.tanh(x) + torch.tanh(x)


def helper(x):
    return torch.tanh(x)
"""
    )
    # One finding per method, at its first use.
    assert findings(source) == [(9, "KS301")]
    (finding,) = check_source("x.py", source)
    assert "(3 places, the first here)" in finding.message


def test_mutable_defaults():
    source = HEAD + """class A(keras.layers.Layer):
    def __init__(self, sizes=(1, 2), opts=None, *, extra={}, more=list(), **kwargs):
        super().__init__(**kwargs)

    def call(self, x, cache=[]):
        return x
"""
    assert findings(source, {"KS103", "KS501"}) == [
        (6, "KS103"),
        (6, "KS501"),
        (6, "KS501"),
        (9, "KS501"),
    ]
    # Off by default: a shared list does harm only where code mutates it.
    assert findings(source) == [(6, "KS103")]


@pytest.mark.parametrize(
    ("sub_layer", "call_args", "extra", "found"),
    [
        ('GRU(4, return_sequences=True, dtype=self.dtype_policy)', "x", "", True),
        ("GRU(4, dtype=self.dtype_policy)", "x", "", False),  # sequence to vector
        ("MultiHeadAttention(2, 4, dtype=self.dtype_policy)", "x", "", False),
        ("MultiHeadAttention(2, 4, dtype=self.dtype_policy)", "x, padding_mask=None",
         "", False),
        ("Embedding(9, 4, mask_zero=True, dtype=self.dtype_policy)", "x", "", True),
        ("Embedding(9, 4, dtype=self.dtype_policy)", "x", "", False),
        ('GRU(4, return_sequences=True, dtype=self.dtype_policy)', "x, mask=None",
         "", False),
        ('GRU(4, return_sequences=True, dtype=self.dtype_policy)', "x",
         "        self.supports_masking = True\n", False),
        ("Dense(4, dtype=self.dtype_policy)", "x", "", False),  # cannot tell
    ],
)  # fmt: skip
def test_masks(sub_layer, call_args, extra, found):
    source = HEAD + f"""class A(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
{extra}        self.inner = keras.layers.{sub_layer}

    def build(self, input_shape):
        self.inner.build(input_shape)

    def call(self, {call_args}):
        return self.inner(x)
"""
    assert ("KS601" in {r for _, r in findings(source)}) is found


# ---------------------------------------------------------------- the command


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_exit_codes(run_cli, tmp_path):
    write(tmp_path, "clean.py", BY_ID["KS101"].good)
    write(tmp_path, "bad.py", BY_ID["KS101"].bad)
    write(tmp_path, "broken.py", "class A(:\n")
    assert run_cli("check", "clean.py", cwd=tmp_path).code == 0
    assert run_cli("check", "bad.py", cwd=tmp_path).code == 1
    missing = run_cli("check", "nowhere.py", cwd=tmp_path)
    assert (missing.code, missing.err) == (
        2,
        "keras-scaffold: error: nowhere.py: no such file or folder.\n",
    )
    broken = run_cli("check", "broken.py", "bad.py", cwd=tmp_path)
    assert broken.code == 2
    assert broken.err == (
        "keras-scaffold: error: broken.py:1:9: syntax error: invalid syntax\n"
    )
    assert "KS101" in broken.out  # the readable files are still reported
    usage = run_cli("check", cwd=tmp_path)
    assert usage.code == 2 and len(usage.err.splitlines()) == 1
    unknown = run_cli("check", "--select", "KS999", "clean.py", cwd=tmp_path)
    assert unknown.code == 2 and "unknown rule `KS999`" in unknown.err


def test_directories_are_walked_for_python_files(run_cli, tmp_path):
    write(tmp_path, "src/a.py", BY_ID["KS101"].bad)
    write(tmp_path, "src/deep/b.py", BY_ID["KS501"].bad)
    write(tmp_path, "src/notes.txt", BY_ID["KS101"].bad)
    write(tmp_path, "src/.venv/c.py", BY_ID["KS101"].bad)
    write(tmp_path, "src/__pycache__/d.py", BY_ID["KS101"].bad)
    result = run_cli(
        "check", "src", "--format", "json", "--select", "KS101,KS501", cwd=tmp_path
    )
    assert result.code == 1
    assert {(f["path"], f["rule"]) for f in json.loads(result.out)} == {
        (str(Path("src/a.py")), "KS101"),
        (str(Path("src/deep/b.py")), "KS501"),
    }


def test_select_and_ignore(run_cli, tmp_path):
    write(tmp_path, "guide.py", (FIXTURES / "guide_custom_model.py").read_text())

    def rules(*options):
        result = run_cli(
            "check", "guide.py", "--format", "json", *options, cwd=tmp_path
        )
        return {f["rule"] for f in json.loads(result.out)}

    assert rules() == {"KS102", "KS203"}  # KS501 is off by default
    assert rules("--select", "KS2,KS501") == {"KS203", "KS501"}
    assert rules("--select", "KS1", "--select", "ks5") == {"KS102", "KS501"}
    assert rules("--ignore", "KS102", "--ignore", "KS203") == set()
    assert rules("--select", "ALL", "--ignore", "KS2") == {"KS102", "KS501"}
    assert run_cli("check", "guide.py", "--ignore", "KS", cwd=tmp_path).code == 0


def test_json_format_schema(run_cli, tmp_path):
    write(tmp_path, "bad.py", BY_ID["KS501"].bad)
    result = run_cli(
        "check", "bad.py", "--format", "json", "--select", "KS501", cwd=tmp_path
    )
    assert result.code == 1
    assert json.loads(result.out) == [
        {
            "path": "bad.py",
            "line": 6,
            "column": 30,
            "rule": "KS501",
            "message": "`sizes` of `Stack.__init__` has a mutable default `[8, 4]`, "
            "shared by every call",
            "hint": BY_ID["KS501"].hint,
        }
    ]
    write(tmp_path, "clean.py", BY_ID["KS501"].good)
    clean = run_cli("check", "clean.py", "--format", "json", cwd=tmp_path)
    assert (clean.code, json.loads(clean.out)) == (0, [])


def test_github_format(run_cli, tmp_path):
    write(tmp_path, "bad.py", BY_ID["KS501"].bad)
    result = run_cli(
        "check", "bad.py", "--format", "github", "--select", "KS501", cwd=tmp_path
    )
    assert result.code == 1
    assert result.out == (
        "::error file=bad.py,line=6,col=30,title=KS501::`sizes` of `Stack.__init__` "
        "has a mutable default `[8, 4]`, shared by every call%0Ahint: "
        f"{BY_ID['KS501'].hint}\n"
    )


def test_encodings_are_read_as_python_reads_them(run_cli, tmp_path):
    bad = BY_ID["KS501"].bad.replace("sizes=[8, 4]", "sizes=[8, 4], label='é'")
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + bad.encode("utf-8"))
    latin = "# -*- coding: latin-1 -*-\n" + bad
    (tmp_path / "latin.py").write_bytes(latin.encode("latin-1"))
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe\x00")
    result = run_cli(
        "check", "bom.py", "latin.py", "--format", "json", "--select", "KS501",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.code == 1
    assert [(f["path"], f["line"], f["column"]) for f in json.loads(result.out)] == [
        ("bom.py", 6, 30),
        ("latin.py", 7, 30),
    ]
    broken = run_cli("check", "binary.py", cwd=tmp_path)
    assert broken.code == 2 and broken.err.startswith(
        "keras-scaffold: error: binary.py"
    )


def test_columns_count_characters_not_bytes(tmp_path):
    source = BY_ID["KS501"].bad.replace(
        "def __init__(self, sizes", "def __init__(self, label='é', sizes"
    )
    (finding,) = check_source("x.py", source, {"KS501"})
    assert finding.column == 41  # 42 if counted in UTF-8 bytes


def test_suppression(run_cli, tmp_path):
    bad = (FIXTURES / "guide_composite_layer.py").read_text()
    lines = bad.splitlines()
    lines[133] += "  # keras-scaffold: noqa KS203"  # the first Dense
    lines[134] += "  # keras-scaffold: noqa KS101"  # the wrong rule: still reported
    lines[137] += "  # keras-scaffold: noqa"  # every rule
    write(tmp_path, "a.py", "\n".join(lines) + "\n")
    result = run_cli("check", "a.py", "--format", "json", cwd=tmp_path)
    assert [(f["line"], f["rule"]) for f in json.loads(result.out)] == [
        (17, "KS102"),
        (135, "KS203"),
        (142, "KS203"),
    ]
    lines[17] += "  # keras-scaffold: noqa: KS203, KS102"  # the class line
    write(tmp_path, "b.py", "\n".join(lines) + "\n")
    result = run_cli("check", "b.py", cwd=tmp_path)
    assert (result.code, result.out) == (
        0,
        "All checks passed (1 class in 1 file).\n",
    )


def test_explain(run_cli, tmp_path):
    result = run_cli("check", "--explain", "ks203", cwd=tmp_path)
    assert result.code == 0
    assert result.out.startswith(
        "KS203: sub-layer without the layer's dtype policy "
        "(Sub-layers, weights and build)\n"
    )
    assert "Bad:\n\n    import keras" in result.out and "\nGood:\n" in result.out
    unknown = run_cli("check", "--explain", "KS2", cwd=tmp_path)
    assert unknown.code == 2 and "unknown rule `KS2`" in unknown.err


def test_check_never_imports_keras(tmp_path):
    write(tmp_path, "layer.py", (FIXTURES / "guide_composite_layer.py").read_text())
    code = (
        "import sys\nfrom keras_scaffold.cli import main\n"
        "try:\n    main(['check', 'layer.py'])\nexcept SystemExit as done:\n"
        "    code = done.code\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in "
        "('keras', 'tensorflow', 'jax', 'torch')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert completed.stdout.splitlines()[-1] == "1 []", completed.stderr


def test_pre_commit_hooks_are_declared_and_used():
    import yaml

    hooks = {
        h["id"]: h
        for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    }
    assert hooks["keras-scaffold-check"]["entry"] == "keras-scaffold check"
    assert hooks["keras-scaffold-check"]["types"] == ["python"]
    assert hooks["keras-scaffold-regenerate-check"]["entry"] == (
        "keras-scaffold regenerate --check"
    )
    assert hooks["keras-scaffold-regenerate-check"]["pass_filenames"] is False
    project = (REPO / "templates" / "project" / ".pre-commit-config.yaml").read_text()
    used = {
        hook["id"]
        for repo in yaml.safe_load(project)["repos"]
        for hook in repo["hooks"]
    }
    assert {"keras-scaffold-check", "keras-scaffold-regenerate-check"} <= used


def test_nested_layers_in_the_config():
    source = HEAD + """class A(keras.layers.Layer):
    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def get_config(self):
        return {**super().get_config(), "units": self.dense.units}
"""
    assert findings(source) == []  # an attribute of the sub-layer is plain data
    stored = source.replace('"units": self.dense.units', '"units": 2, "d": self.dense')
    # `d` is no argument of `__init__` either.
    assert findings(stored) == [(15, "KS107"), (15, "KS106")]
    rebuilt = stored + (
        "\n    @classmethod\n    def from_config(cls, config):\n"
        '        config["d"] = keras.layers.deserialize(config["d"])\n'
        "        return cls(**config)\n"
    )
    assert findings(rebuilt) == []


def test_from_config_may_supply_keys():
    source = HEAD + """class A(keras.layers.Layer):
    def __init__(self, units, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seed = units, seed

    def get_config(self):
        return {**super().get_config(), "units": self.units}

    @classmethod
    def from_config(cls, config):
        return cls(seed=config.pop("rng", None), **config)
"""
    assert findings(source) == [(6, "KS104")]
    assert findings(source.replace('"rng"', '"seed"')) == []


def test_functional_models_and_local_classes_are_left_alone():
    source = """import keras


@keras.saving.register_keras_serializable(package="p")
class Net(keras.Model):
    def __init__(self, units=4, **kwargs):
        inputs = keras.Input((3,))
        outputs = keras.layers.Dense(units)(inputs)
        super().__init__(inputs, outputs, **kwargs)


def test_something():
    class Probe(keras.layers.Layer):
        def call(self, x):
            return x
"""
    assert findings(source) == []


def test_build_that_leaves_a_sub_layer_unbuilt():
    source = HEAD + """class A(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = keras.layers.Dense(2, dtype=self.dtype_policy)
        self.second = keras.layers.Dense(2, dtype=self.dtype_policy)
        self.drop = keras.layers.Dropout(0.1, dtype=self.dtype_policy)
        self.stack = [keras.layers.Dense(2, dtype=self.dtype_policy)]

    def build(self, input_shape):
        self._build_first(input_shape)
        for layer in self.stack:
            layer.build(input_shape)

    def _build_first(self, input_shape):
        self.first.build(input_shape)

    def call(self, x):
        return self.drop(self.second(self.first(x)))
"""
    # `first` is built by a helper, `drop` owns no weights, `stack` is looped over.
    assert findings(source) == [(9, "KS205")]
    every = source.replace("for layer in self.stack:", "for layer in self._layers:")
    assert findings(every) == []
    handed = source.replace(
        "self._build_first(input_shape)", "build_all(self, input_shape)"
    )
    assert findings(handed) == []


def test_same_file_layers_without_weights_count_as_stateless():
    source = (
        HEAD
        + """class Half(keras.layers.Layer):
    def call(self, x):
        return x * 0.5


"""
        + HEAD
        + """class Outer(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.half = Half(dtype=self.dtype_policy)

    def call(self, x):
        return Half(dtype=self.dtype_policy)(self.half(x))
"""
    )
    assert findings(source) == []
    weighted = source.replace(
        "        return x * 0.5",
        "        return x * self.add_weight(shape=())",
    )
    assert sorted(r for _, r in findings(weighted)) == ["KS201", "KS202", "KS204"]


def test_stacked_cells_pass_on_the_dtype_of_the_cells_they_are_given():
    """Keras's RNN wraps a list of cells in `StackedRNNCells` without a dtype: its
    outputs are the cells' (float16 under `mixed_float16`), so KS203 says nothing;
    a `Dense` made the same way is reported."""
    source = HEAD + """class Stack(keras.layers.Layer):
    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cell = keras.layers.StackedRNNCells(cells)
        self.head = keras.layers.Dense(2)

    def call(self, inputs, states):
        return self.head(self.cell(inputs, states)[0])
"""
    assert [(f.line, f.rule) for f in check_source("x.py", source, {"KS203"})] == [
        (9, "KS203")
    ]
