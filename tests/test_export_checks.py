"""The shared checks' export checks (issue 37): `test_export_to_tf_saved_model`,
`test_export_to_onnx` and `test_export_to_litert` of keras_scaffold_checks.py, run
on layers `new` generates and on a hand-written one, in pytest processes of their
own (TensorFlow backend), each test's outcome read from a JUnit XML report."""

import importlib.util
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
import tomllib
from conftest import REPO

EXPORT_PACKAGES = ["tf2onnx>=1.16", "onnxruntime>=1.18", "ai-edge-litert>=1.2"]
FORMATS = ("tf_saved_model", "onnx", "litert")
NEEDED = ("tensorflow", "tf2onnx", "onnxruntime", "ai_edge_litert")

# A layer whose `call` adds how many times it ran: a Python counter, which
# tracing for export freezes at another count than the eager call's, so the
# served outputs differ from `predict`'s.
COUNTING = """
import keras

from keras_scaffold_checks import LayerChecks


@keras.saving.register_keras_serializable(package="broken")
class Counting(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def call(self, inputs):
        self.calls += 1
        return inputs + float(self.calls)


class TestCounting(LayerChecks):
    layer_class = Counting
"""

# Imported by Python at start-up from PYTHONPATH: the export runtimes look
# uninstalled (an import of them raises ImportError).
BLOCKED = """
import sys

sys.modules["onnxruntime"] = None
sys.modules["ai_edge_litert"] = None
"""


def test_the_export_extra_and_the_test_extra_hold_the_export_packages():
    with open(REPO / "pyproject.toml", "rb") as file:
        extras = tomllib.load(file)["project"]["optional-dependencies"]
    assert extras["export"] == EXPORT_PACKAGES
    assert set(EXPORT_PACKAGES) <= set(extras["test"])


def test_importing_the_checks_imports_no_export_package(tmp_path):
    # The converters and runtimes are imported by a check that needs them.
    script = (
        "import sys, keras_scaffold_checks\n"
        f"print(sorted(set({list(NEEDED[1:])!r}) & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO / "generated_examples",
        env={**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def keras_scaffold(*args, cwd):
    subprocess.run(
        [sys.executable, "-m", "keras_scaffold", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def run_export_checks(folder, *args, env=None):
    """`pytest -k test_export_to_` in `folder` on TensorFlow: {test name:
    (outcome, message)}, the name as `TestClass::test_name`."""
    report = folder / f"report{len(list(folder.glob('report*.xml')))}.xml"
    subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-k", "test_export_to_", f"--junitxml={report}", *args),
        ],
        cwd=folder,
        env={**os.environ, "KERAS_BACKEND": "tensorflow", **(env or {})},
        capture_output=True,
        text=True,
    )
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        name = case.get("classname").split(".")[-1] + "::" + case.get("name")
        found = [child for child in case if child.tag in ("skipped", "failure")]
        if found:
            outcomes[name] = (found[0].tag, found[0].get("message", ""))
        else:
            outcomes[name] = ("passed", "")
    return outcomes


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (the `export` extra)")
    folder = tmp_path_factory.mktemp("layers")
    keras_scaffold(
        "new", "simple", "Relu", "--param", "activation:activation=relu", cwd=folder
    )
    keras_scaffold(
        "new", "simple", "Gelu", "--param", "activation:activation=gelu", cwd=folder
    )
    (folder / "test_counting.py").write_text(textwrap.dedent(COUNTING))
    return folder, run_export_checks(folder)


def test_a_generated_layer_serves_predicts_outputs_in_every_format(exported):
    _, outcomes = exported
    for format in FORMATS:
        assert outcomes[f"TestRelu::test_export_to_{format}"] == ("passed", "")


def test_an_exact_gelu_skips_the_onnx_check_naming_it(exported):
    _, outcomes = exported
    outcome, message = outcomes["TestGelu::test_export_to_onnx"]
    assert outcome == "skipped"
    assert "activation 'gelu' does not export to onnx" in message
    assert "approximate=True" in message
    for format in ("tf_saved_model", "litert"):
        assert outcomes[f"TestGelu::test_export_to_{format}"] == ("passed", "")


def test_served_outputs_that_differ_from_predicts_fail_each_check(exported):
    _, outcomes = exported
    for format in FORMATS:
        outcome, message = outcomes[f"TestCounting::test_export_to_{format}"]
        assert outcome == "failure", (format, message)
        assert f"{format}, served: the model reloaded" in message, message


def test_a_missing_runtime_skips_its_check_with_the_install_hint(exported):
    folder, _ = exported
    blocker = folder / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKED)
    path = os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])
    outcomes = run_export_checks(folder, "test_relu.py", env={"PYTHONPATH": path})
    hint = 'pip install "keras-scaffold[export]"'
    for format, package in (("onnx", "onnxruntime"), ("litert", "ai-edge-litert")):
        outcome, message = outcomes[f"TestRelu::test_export_to_{format}"]
        assert outcome == "skipped", (format, message)
        assert f"{package} is not installed" in message and hint in message
    assert outcomes["TestRelu::test_export_to_tf_saved_model"] == ("passed", "")
