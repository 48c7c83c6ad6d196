"""`check --fix` and `--diff` (issue 35): the mechanical fixes, made with LibCST so
that the rest of the file keeps its formatting and comments; unsafe ones only with
`--unsafe-fixes`; exit codes as ruff's."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_scaffold.check import check_paths

BLOCK = '''import keras
from keras import layers


class Block(keras.layers.Layer):
    """A block."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units)  # the projection
        self.norm = layers.LayerNormalization(
            epsilon=1e-6,
            center=True,
        )
        self.drop = layers.Dropout(0.1, dtype=None)

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.norm.build((*input_shape[:-1], self.units))

    def call(self, inputs):
        return self.drop(self.norm(self.dense(inputs)))

    @staticmethod
    def head(units):
        return layers.Dense(units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
'''

FIXED = '''import keras
from keras import layers


@keras.saving.register_keras_serializable(package="lib")
class Block(keras.layers.Layer):
    """A block."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units, dtype=self.dtype_policy)  # the projection
        self.norm = layers.LayerNormalization(
            epsilon=1e-6,
            center=True,
            dtype=self.dtype_policy,
        )
        self.drop = layers.Dropout(0.1, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.norm.build((*input_shape[:-1], self.units))

    def call(self, inputs):
        return self.drop(self.norm(self.dense(inputs)))

    @staticmethod
    def head(units):
        return layers.Dense(units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
'''


STATIC = (
    "    @staticmethod\n    def head(units):\n        return layers.Dense(units)\n\n"
)


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "lib"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_fix_adds_the_policy_and_the_registration_keeping_the_rest(run_cli, tmp_path):
    root = package(tmp_path, {"block.py": BLOCK})
    result = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert (root / "block.py").read_text() == FIXED
    # The staticmethod has no `self` to take the policy from: left, and reported.
    assert result.code == 1
    (finding,) = [line for line in result.out.splitlines() if ": KS" in line]
    assert " KS203 " in finding and "block.py:29:" in finding
    assert "Fixed 4 of 5 finding(s) in 1 file(s)." in result.err


def test_diff_prints_the_fixes_and_writes_nothing(run_cli, tmp_path):
    root = package(tmp_path, {"block.py": BLOCK})
    result = run_cli("check", "lib", "--diff", cwd=tmp_path)
    assert result.code == 1
    assert (root / "block.py").read_text() == BLOCK
    assert result.out.startswith("--- a/lib/block.py\n+++ b/lib/block.py\n")
    assert '+@keras.saving.register_keras_serializable(package="lib")\n' in result.out
    assert "Would fix 4 finding(s)." in result.err
    # Once fixed, a second --fix and --diff change nothing (exit 0 from --diff).
    run_cli("check", "lib", "--fix", cwd=tmp_path)
    again = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert (root / "block.py").read_text() == FIXED
    assert "Fixed 0 of 1 finding(s) in 0 file(s)." in again.err
    quiet = run_cli("check", "lib", "--diff", cwd=tmp_path)
    assert (quiet.code, quiet.out) == (0, "")


def test_fix_exits_0_when_nothing_is_left(run_cli, tmp_path):
    text = BLOCK.replace(STATIC, "")
    root = package(tmp_path, {"block.py": text})
    result = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert result.code == 0, result.out
    assert result.out.startswith("All checks passed")
    assert check_paths([root]).findings == []


def test_keras_is_imported_where_the_module_binds_none(run_cli, tmp_path):
    text = BLOCK.replace(
        "import keras\nfrom keras import layers", "from keras import layers"
    )
    text = text.replace("keras.layers.Layer", "layers.Layer")
    root = package(tmp_path, {"block.py": text})
    run_cli("check", "lib", "--fix", cwd=tmp_path)
    fixed = (root / "block.py").read_text()
    assert fixed.startswith("from keras import layers\nimport keras\n\n\n@keras.")
    compile(fixed, "block.py", "exec")


def test_two_classes_of_one_name_are_registered_under_their_modules(run_cli, tmp_path):
    mlp = "import keras\n\n\nclass MLP(keras.layers.Layer):\n    pass\n"
    root = package(tmp_path, {"a.py": mlp, "b.py": mlp})
    run_cli("check", "lib", "--fix", "--select", "KS101", cwd=tmp_path)
    assert 'package="lib.a"' in (root / "a.py").read_text()
    assert 'package="lib.b"' in (root / "b.py").read_text()


def test_a_projects_package_is_the_registration_package(run_cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.keras-scaffold]\npackage = "demo_pkg"\n'
        'layers = "lib"\nmodels = "lib"\ntests = "tests"\n'
    )
    root = package(tmp_path, {"block.py": BLOCK})
    run_cli("check", "lib", "--fix", "--select", "KS101", cwd=tmp_path)
    assert 'package="demo_pkg"' in (root / "block.py").read_text()


MERGE = """import keras


@keras.saving.register_keras_serializable(package="lib")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        config = {"factor": self.factor}
        return config
"""


def test_merging_the_base_config_is_unsafe(run_cli, tmp_path):
    root = package(tmp_path, {"scale.py": MERGE})
    safe = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert (root / "scale.py").read_text() == MERGE
    assert "KS105" in safe.out and "(1 more with --unsafe-fixes)" in safe.err
    unsafe = run_cli("check", "lib", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert unsafe.code == 0, unsafe.out
    assert (
        'config = {**super().get_config(), "factor": self.factor}'
        in (root / "scale.py").read_text()
    )


def test_fix_does_not_go_with_run(run_cli, tmp_path):
    package(tmp_path, {"block.py": BLOCK})
    result = run_cli("check", "lib", "--fix", "--run", cwd=tmp_path)
    assert result.code == 2 and "--fix and --diff do not go with --run" in result.err


def test_a_link_is_not_written_through(run_cli, tmp_path):
    root = package(tmp_path, {"real.py": BLOCK})
    (root / "link.py").symlink_to(root / "real.py")
    result = run_cli("check", "lib/link.py", "--fix", cwd=tmp_path)
    assert (root / "real.py").read_text() == BLOCK
    assert "a link; not fixed" in result.err


# Sub-layer constructions as people write them: arguments, keywords, a trailing
# comma one argument a line, a comment after the call.
_ARGUMENTS = st.lists(st.sampled_from(["4", "units", "use_bias=False", "name='d'"]))


@st.composite
def constructions(draw):
    args = draw(_ARGUMENTS)
    layer = draw(st.sampled_from(["Dense", "LayerNormalization", "Dropout"]))
    if layer == "Dropout":
        args = ["0.1", *[a for a in args if "=" in a]]
    elif layer == "LayerNormalization":
        args = [a for a in args if a.startswith("name")]
    else:
        args = (["4"] + [a for a in args if "=" in a])[: len(args) + 1]
    args = list(dict.fromkeys(args))
    if draw(st.booleans()) and args:
        inner = "".join(f"            {a},\n" for a in args)
        call = f"keras.layers.{layer}(\n{inner}        )"
    else:
        call = f"keras.layers.{layer}({', '.join(args)})"
    comment = draw(st.sampled_from(["", "  # kept"]))
    return call + comment


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(constructions(), min_size=1, max_size=4))
def test_any_construction_is_fixed_once_and_stays_python(tmp_path, made):
    lines = "".join(f"        self.sub{i} = {call}\n" for i, call in enumerate(made))
    source = (
        "import keras\n\n\nclass Block(keras.layers.Layer):\n"
        "    def __init__(self, units=4, **kwargs):\n"
        "        super().__init__(**kwargs)\n" + lines
    )
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    path = folder / "block.py"
    path.write_text(source)
    from keras_scaffold.check import fix

    report = check_paths([path], ["KS203"])
    planned = fix.plan(report.findings, unsafe=False)
    planned.write()
    fixed = path.read_text()
    compile(fixed, "block.py", "exec")
    for comment in ("# kept",):
        assert fixed.count(comment) == source.count(comment)
    assert check_paths([path], ["KS203"]).findings == []
    assert fix.plan(check_paths([path], ["KS203"]).findings, False).texts == {}


RUNNER = r"""
import json, os, sys, tempfile
import numpy as np
import keras
sys.path.insert(0, sys.argv[1])
from lib.block import Block

keras.config.set_dtype_policy("float32")
layer = Block(dtype="mixed_float16")
out = layer(np.ones((2, 3), "float32"))
inputs = keras.Input((3,))
model = keras.Model(inputs, Block()(inputs))
path = os.path.join(tempfile.mkdtemp(), "m.keras")
model.save(path)
loaded = keras.models.load_model(path)
print(json.dumps([keras.backend.standardize_dtype(out.dtype),
                  type(loaded.layers[-1]).__name__]))
"""


@pytest.mark.slow
def test_the_fixed_layer_follows_its_policy_and_reloads(run_cli, tmp_path):
    text = BLOCK.replace(STATIC, "")
    package(tmp_path, {"block.py": text})
    run_cli("check", "lib", "--fix", cwd=tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == ["float16", "Block"]


def test_the_fixes_are_documented():
    text = (Path(__file__).parent.parent / "docs" / "checking.md").read_text()
    assert "--fix" in text and "--unsafe-fixes" in text and "--diff" in text


NO_KWARGS = """import keras


@keras.saving.register_keras_serializable(package="lib")
class Norm(keras.layers.Layer):
    def __init__(self, dim=4):
        super().__init__()
        self.dim = dim

    def call(self, inputs):
        return inputs / self.dim

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}
"""


def test_kwargs_are_taken_and_handed_to_the_parent(run_cli, tmp_path):
    # keras-hub's RMSNormalization and keras-cv's HardSigmoidActivation: no
    # `**kwargs`, so `name`, `trainable` and `dtype` from the config are refused.
    root = package(tmp_path, {"norm.py": NO_KWARGS})
    result = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert result.code == 0, result.out
    fixed = (root / "norm.py").read_text()
    assert "    def __init__(self, dim=4, **kwargs):\n" in fixed
    assert "        super().__init__(**kwargs)\n" in fixed
    assert (
        fixed.replace("(self, dim=4, **kwargs)", "(self, dim=4)").replace(
            "__init__(**kwargs)", "__init__()"
        )
        == NO_KWARGS
    )


# -- KS104: the missing `get_config` keys ------------------------------------------

FIX_FIXTURES = Path(__file__).parent / "check_fixtures" / "fix"


def test_missing_config_keys_are_added_in_the_form_each_get_config_uses(
    run_cli, tmp_path
):
    # A dict literal returned, `config.update({...})` (an activation and an
    # initializer kept serialized, as Keras's own layers do), `config[key] = ...`
    # (an argument stored under another name, one through `bool`) and
    # `config.update(key=...)`.
    text = (FIX_FIXTURES / "ks104_layers.py").read_text()
    root = package(tmp_path, {"layers.py": text})
    diff = run_cli("check", "lib", "--diff", cwd=tmp_path)
    assert diff.code == 1 and (root / "layers.py").read_text() == text
    assert '+            "use_bias": self.use_bias,\n' in diff.out
    assert "Would fix 7 finding(s)." in diff.err
    result = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert result.code == 0, result.out
    assert "Fixed 7 of 7 finding(s) in 1 file(s)." in result.err
    fixed = (root / "layers.py").read_text()
    assert fixed == (FIX_FIXTURES / "ks104_layers_fixed.py").read_text()
    assert check_paths([root / "layers.py"]).findings == []
    again = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert (root / "layers.py").read_text() == fixed
    assert "Fixed 0 of 0 finding(s) in 0 file(s)." in again.err
    quiet = run_cli("check", "lib", "--diff", cwd=tmp_path)
    assert (quiet.code, quiet.out) == (0, "")


def test_an_argument_stored_transformed_is_an_unsafe_fix_and_one_not_kept_none(
    run_cli, tmp_path
):
    text = (FIX_FIXTURES / "ks104_unsafe.py").read_text()
    root = package(tmp_path, {"layers.py": text})
    safe = run_cli("check", "lib", "--fix", cwd=tmp_path)
    assert (root / "layers.py").read_text() == text
    assert safe.out.count(" KS104 ") == 4
    assert "(1 more with --unsafe-fixes)" in safe.err
    unsafe = run_cli("check", "lib", "--fix", "--unsafe-fixes", cwd=tmp_path)
    fixed = (root / "layers.py").read_text()
    assert fixed == text.replace(
        "config = {}", 'config = {"data_format": self.data_format}'
    )
    # Kept in a Dense, a Dropout and a SeedGenerator: nothing to store, reported.
    left = [line for line in unsafe.out.splitlines() if " KS104 " in line]
    assert [line.split("`")[1] for line in left] == ["hidden_dim", "dropout", "seed"]
    assert unsafe.code == 1


ROUND_TRIP = r"""
import importlib, json, sys
import numpy as np
import keras
sys.path.insert(0, sys.argv[1])
cases = json.loads(sys.argv[2])
results = []
for module, name, args, attrs in cases:
    cls = getattr(importlib.import_module(module), name)
    layer = cls(**args)
    clone = cls.from_config(json.loads(json.dumps(layer.get_config())))
    x = np.linspace(-1.0, 1.0, 6, dtype="float32").reshape(2, 3)
    same = bool(np.allclose(np.asarray(layer(x)), np.asarray(clone(x))))
    kept = {a: [repr(getattr(layer, a)), repr(getattr(clone, a))] for a in attrs}
    results.append([name, same, kept])
print(json.dumps(results))
"""


def round_trip(folder: Path, cases: list) -> list:
    done = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP, str(folder), json.dumps(cases)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_the_fixed_configs_keep_the_arguments_through_from_config(run_cli, tmp_path):
    package(
        tmp_path,
        {
            "layers.py": (FIX_FIXTURES / "ks104_layers.py").read_text(),
            "unsafe.py": (FIX_FIXTURES / "ks104_unsafe.py").read_text(),
        },
    )
    run_cli("check", "lib", "--fix", "--unsafe-fixes", cwd=tmp_path)
    cases = [
        ["lib.layers", "Literal", {"units": 3, "use_bias": False, "scale": 2.5},
         ["units", "use_bias", "scale"]],
        ["lib.layers", "Updated",
         {"rate": 0.25, "activation": "tanh", "kernel_initializer": "ones"},
         ["rate"]],
        ["lib.layers", "Subscript", {"axis": 0, "epsilon": 0.5, "center": False},
         ["axis", "_epsilon", "center"]],
        ["lib.layers", "Keywords", {"factor": 3.0, "offset": 1.0},
         ["factor", "offset"]],
        ["lib.unsafe", "Normalized", {"data_format": "channels_first"},
         ["data_format"]],
    ]  # fmt: skip
    results = round_trip(tmp_path, cases)
    for name, same, kept in results:
        assert same, name
        for attr, (before, after) in kept.items():
            assert before == after, (name, attr)
    updated = round_trip(
        tmp_path,
        [["lib.layers", "Updated", {"activation": "tanh"}, []]],
    )
    assert updated[0][1]


_KEYWORDS = {"self", "kwargs", "name", "dtype", "trainable", "weights", "autocast"}
_ARG_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda name: name.isidentifier()
    and not __import__("keyword").iskeyword(name)
    and name not in _KEYWORDS
    and name not in {"input_dim", "input_shape", "activity_regularizer", "config"}
)
_DEFAULTS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.5, 1e-3, -2.0]),
    st.booleans(),
    st.sampled_from(["'relu'", '"same"', None]),
)
_FORMS = {
    "literal": (
        "        return {{**super().get_config(){comma_kept}}}  # the config\n"
    ),
    "update": (
        "        config = super().get_config()\n"
        "        config.update({{{kept}}})  # the config\n"
        "        return config\n"
    ),
    "subscript": (
        "        config = super().get_config()\n{subscripts}"
        "        return config  # the config\n"
    ),
    "multiline": (
        "        return {{\n            **super().get_config(),\n{lines}"
        "        }}  # the config\n"
    ),
}


@st.composite
def forgetful_layers(draw):
    names = draw(st.lists(_ARG_NAMES, min_size=1, max_size=4, unique=True))
    defaults = [draw(_DEFAULTS) for _ in names]
    forgotten = draw(st.lists(st.sampled_from(names), min_size=1, unique=True).map(set))
    form = draw(st.sampled_from(sorted(_FORMS)))
    kept = [n for n in names if n not in forgotten]
    signature = ", ".join(
        f"{n}={d if isinstance(d, str) else repr(d)}"
        for n, d in zip(names, defaults, strict=True)
    )
    stores = "".join(f"        self.{n} = {n}  # {n} kept\n" for n in names)
    config = _FORMS[form].format(
        kept=", ".join(f'"{n}": self.{n}' for n in kept),
        comma_kept="".join(f', "{n}": self.{n}' for n in kept),
        subscripts="".join(f'        config["{n}"] = self.{n}\n' for n in kept),
        lines="".join(f'            "{n}": self.{n},\n' for n in kept),
    )
    source = (
        "import keras\n\n\nclass Forgetful(keras.layers.Layer):\n"
        f"    def __init__(self, {signature}, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        f"{stores}\n"
        "    def call(self, inputs):\n        return inputs\n\n"
        f"    def get_config(self):\n{config}"
    )
    values = {}
    for n, d in zip(names, defaults, strict=True):
        if isinstance(d, bool):
            values[n] = not d
        elif d is None:
            values[n] = 7
        elif isinstance(d, str):
            values[n] = d.strip("'\"") + "x"
        else:
            values[n] = d + 1
    return source, sorted(forgotten), values


@pytest.mark.slow
def test_any_forgotten_arguments_are_added_once_and_round_trip(tmp_path):
    from keras_scaffold.check import fix

    made = []

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(forgetful_layers())
    def one(layer):
        source, forgotten, values = layer
        path = tmp_path / "fuzz" / f"forgetful{len(made)}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
        findings = check_paths([path], ["KS104"]).findings
        assert sorted(f.message.split("`")[1] for f in findings) == forgotten
        planned = fix.plan(findings, unsafe=False)
        assert planned.fixed == len(forgotten)
        planned.write()
        fixed = path.read_text()
        compile(fixed, path.name, "exec")
        assert fixed.count("#") == source.count("#")  # every comment kept
        assert check_paths([path], ["KS104"]).findings == []
        assert fix.plan(check_paths([path], ["KS104"]).findings, False).texts == {}
        made.append([f"fuzz.{path.stem}", "Forgetful", values, sorted(values)])

    one()
    (tmp_path / "fuzz" / "__init__.py").write_text("")
    for name, same, kept in round_trip(tmp_path, made):
        assert same
        for attr, (before, after) in kept.items():
            assert before == after, (name, attr)
