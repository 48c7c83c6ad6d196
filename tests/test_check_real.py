"""`check` on real code: the defects it missed and the false alarms it gave on
keras-hub 0.32.0 and Keras's own layers (issue 23), each as a fixture in
check_fixtures/real. Every fixture is run with Keras (one subprocess for all), to
show the defect fails and the false alarm works, and checked, to show `check`
says so: a finding for each defect, none for each false alarm."""

import os

import pytest
from conftest import REPO, run_json_script

from keras_scaffold.check import check_paths

REAL = REPO / "tests" / "check_fixtures" / "real"

# What each defect fixture is reported for, and what its message must say.
DEFECTS = {
    "defect_layer_argument.py": ("KS103", "`model.save` raises NotImplementedError"),
    "defect_variable_dtype.py": ("KS203", "created with `dtype=self.dtype`"),
    "defect_unknown_key.py": ("KS107", "writes `key_dim`"),
    "defect_no_kwargs.py": ("KS107", "`load_model` raises TypeError"),
    "defect_created_in_build.py": ("KS205", "`build()` creates `self.up_proj`"),
    "defect_required_missing.py": ("KS104", "`load_model` raises TypeError"),
    "defect_key_along_chain.py": ("KS107", "`get_config()` writes `scale`"),
}
CLEAN = [
    "clean_backend_guard.py",
    "clean_built_in_init.py",
    "clean_base_keys.py",
    "fixed_by_subclass",
    "module_path",
]

# Runs every fixture; prints what happened to each, as JSON.
RUNNER = r"""
import json, os, sys, tempfile
import numpy as np
import keras

folder = tempfile.mkdtemp()
results = {}


def outcome(function):
    try:
        return function()
    except Exception as error:  # what the defect makes Keras raise
        return f"raised {type(error).__name__}"


def save_and_load(layer, shape):
    inputs = keras.Input(shape)
    model = keras.Model(inputs, layer(inputs))
    path = os.path.join(folder, f"{layer.name}.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    data = np.random.default_rng(0).standard_normal((2, *shape)).astype("float32")
    expected, loaded = model.predict(data, verbose=0), restored.predict(data, verbose=0)
    same = np.allclose(expected, loaded)
    return "loads, same outputs" if same else "loads, different outputs"


from defect_layer_argument import Residual
results["layer_argument"] = outcome(
    lambda: save_and_load(Residual(keras.layers.Dense(4)), (4,))
)

from defect_variable_dtype import Projection
layer = Projection(dtype="mixed_float16")
output = layer(np.ones((2, 3), "float32"))
output_dtype = keras.backend.standardize_dtype(output.dtype)
results["variable_dtype"] = [layer.compute_dtype, output_dtype]

from defect_unknown_key import Heads
results["unknown_key"] = outcome(lambda: save_and_load(Heads(), (8,)))

from defect_no_kwargs import RMSNormalization
results["no_kwargs"] = outcome(lambda: save_and_load(RMSNormalization(4), (4,)))

from defect_created_in_build import GatedFeedForward
layer = GatedFeedForward()
layer.build((2, 4))
built = len(layer.weights)
layer(np.ones((2, 4), "float32"))
results["created_in_build"] = [built, len(layer.weights)]

from defect_required_missing import Scale
results["required_missing"] = outcome(lambda: save_and_load(Scale(3.0), (4,)))

from defect_key_along_chain import Scaled, Shifted
results["key_along_chain"] = [
    outcome(lambda: save_and_load(layer, (4,))) for layer in (Scaled(), Shifted())
]

from clean_backend_guard import BandPart, Cast, Squeeze
matrix = np.arange(16, dtype="float32").reshape(1, 4, 4)
band = keras.ops.convert_to_numpy(BandPart()(matrix))
results["backend_guard"] = [
    bool(np.array_equal(band, np.triu(np.tril(matrix, 1), -1))),
    keras.backend.standardize_dtype(Cast()(np.ones((2, 2), "int32")).dtype),
    float(keras.ops.convert_to_numpy(Squeeze()(np.ones((2, 2), "float32"))).sum()),
]

from clean_built_in_init import Embedder
layer = Embedder()
layer.build((None, 3))
results["built_in_init"] = [len(layer.weights), save_and_load(Embedder(), (3,))]

sys.path.insert(0, "fixed_by_subclass")
from pooling import GlobalPooling2D
results["fixed_by_subclass"] = save_and_load(GlobalPooling2D(mode="mean"), (3, 3, 2))

from clean_base_keys import Offset
layer = Offset(2.0, name="offset", trainable=False, dtype="float64")
twin = Offset.from_config(layer.get_config())
results["base_keys"] = [twin.name, twin.trainable, twin.dtype_policy.name]

sys.path.insert(0, "module_path")
from keras_nlp.layers import Double
results["module_path"] = save_and_load(Double(), (4,))

print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def ran():
    return run_json_script(RUNNER, REAL, os.environ.get("KERAS_BACKEND", "jax"))


def test_each_missed_defect_fails_when_run(ran):
    assert ran["layer_argument"] == "raised NotImplementedError"
    # The layer computes in float16, its output comes out float32.
    assert ran["variable_dtype"] == ["float16", "float32"]
    assert ran["unknown_key"] == "raised TypeError"
    assert ran["no_kwargs"] == "raised TypeError"
    assert ran["required_missing"] == "raised TypeError"
    assert ran["key_along_chain"] == ["raised TypeError", "loads, same outputs"]
    # No weights after `build(input_shape)`; four after the first call.
    assert ran["created_in_build"] == [0, 4]


def test_each_false_alarm_works_when_run(ran):
    assert ran["backend_guard"] == [True, "float32", 4.0]
    assert ran["built_in_init"] == [2, "loads, same outputs"]
    assert ran["fixed_by_subclass"] == "loads, same outputs"
    assert ran["base_keys"] == ["offset", False, "float64"]
    assert ran["module_path"] == "loads, same outputs"


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_each_missed_defect_is_reported(name):
    rule, words = DEFECTS[name]
    found = check_paths([REAL / name]).findings
    assert {f.rule for f in found} == {rule}, found
    assert any(words in f.message for f in found), found


def test_a_key_refused_by_a_parent_is_reported_there_only():
    # Shifted takes the `scale` its parent's config writes: only Scaled fails.
    found = check_paths([REAL / "defect_key_along_chain.py"]).findings
    assert [(f.rule, f.line) for f in found] == [("KS107", 32)], found


@pytest.mark.parametrize("name", CLEAN)
def test_each_false_alarm_is_quiet(name):
    report = check_paths([REAL / name])
    assert report.findings == [] and report.errors == []
    assert report.classes >= 1
