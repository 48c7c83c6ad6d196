"""`keras-scaffold adopt`: the generated test suite for an existing class, recorded
so that `regenerate` keeps it current."""

import os
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_pytest, snapshot
from test_render import copier_copy

from keras_scaffold import adopt
from keras_scaffold.component import render
from keras_scaffold.templates import Templates

FIXTURES = REPO / "tests" / "check_fixtures"
LAYER = FIXTURES / "guide_composite_layer_fixed.py"


def adopted(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    shutil.copy(LAYER, tmp_path / "blocks.py")
    return tmp_path


def plain_pytest_passes(folder, without_pythonpath=False):
    """`python -m pytest` in `folder` (TensorFlow) collects tests and passes."""
    env = dict(os.environ)
    if without_pythonpath:
        env.pop("PYTHONPATH", None)
    ran = run_pytest("-x", cwd=folder, backend="tensorflow", env=env)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert " passed" in ran.stdout


def test_adopt_writes_a_passing_test_file_that_regenerate_keeps_current(
    run_cli, tmp_path, templates_copy
):
    folder = adopted(tmp_path / "work")
    dry = run_cli("adopt", "blocks.py::CompositeLayer", "--dry-run", cwd=folder)
    assert dry.code == 0, dry.err
    assert "would create  test_composite_layer.py" in dry.out
    assert sorted(p.name for p in folder.iterdir()) == ["blocks.py"]

    result = run_cli(
        "adopt",
        "blocks.py::CompositeLayer",
        "--init",
        '{"hidden_dim": 4, "output_dim": 3}',
        "--other",
        '{"hidden_dim": 5, "output_dim": 2, "dropout_rate": 0.0, "use_norm": false}',
        cwd=folder,
    )
    assert result.code == 0, result.err
    assert result.out.split() == [
        "create",
        ".keras-scaffold/composite_layer.yml",
        "create",
        ".keras-scaffold/composite_layer.base/",
        "create",
        "keras_scaffold_checks.py",
        "create",
        "test_composite_layer.py",
    ]
    answers = yaml.safe_load(
        (folder / ".keras-scaffold/composite_layer.yml").read_text()
    )
    assert answers["pattern"] == "adopted"
    assert answers["module_import"] == "blocks"
    assert answers["adopted"] == {
        "kind": "layer",
        "init": {"hidden_dim": 4, "output_dim": 3},
        "other": {
            "hidden_dim": 5,
            "output_dim": 2,
            "dropout_rate": 0.0,
            "use_norm": False,
        },
        "input_shape": [2, 8],
    }
    test_file = folder / "test_composite_layer.py"
    assert "from blocks import CompositeLayer" in test_file.read_text()
    # No private Keras API: the checks module walks the sub-layers (issue 34).
    for private in ("_flatten_layers", "._layers", "_tracker", "keras.src"):
        assert private not in test_file.read_text(), private

    # The written tests pass (one subprocess, TensorFlow).
    plain_pytest_passes(folder)

    # Nothing changed: regenerate has nothing to do.
    same = run_cli("regenerate", cwd=folder)
    assert (same.code, same.out) == (0, "1 component(s) up to date.\n")

    # The checks improve: regenerate brings the new check, keeping the user's edit.
    test_file.write_text(test_file.read_text() + "\n\n# my note\n")
    checks = templates_copy / "_shared" / "checks.py.jinja"
    checks.write_text(
        checks.read_text().replace(
            "    def find_layer(self, model):",
            "    def test_an_improved_check(self):\n        assert True\n\n"
            "    def find_layer(self, model):",
        )
    )
    template = templates_copy / "adopted" / "test_module.py.jinja"
    template.write_text(
        template.read_text().replace('"""What the checks', '"""(v2) What the checks')
    )
    updated = run_cli("regenerate", "--templates", str(templates_copy), cwd=folder)
    assert updated.code == 0, updated.err
    assert "keras_scaffold_checks.py" in updated.out
    assert "test_an_improved_check" in (folder / "keras_scaffold_checks.py").read_text()
    text = test_file.read_text()
    assert '"""(v2) What the checks' in text and "# my note" in text


def adopted_in_package(run_cli, tmp_path, filename: str) -> Path:
    """The guide's fixed composite layer as `pkg/sub/FILENAME`, adopted; the
    package folder."""
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    shutil.copy(LAYER, package / filename)
    result = run_cli("adopt", f"pkg/sub/{filename}::CompositeLayer", cwd=tmp_path)
    assert result.code == 0, result.err
    return package


def test_a_test_written_inside_a_package_is_collected_by_plain_pytest(
    run_cli, tmp_path
):
    """Beside a module of a package, pytest imports the test file as a module of
    that package (the folder above the package goes on sys.path, not the test's
    own), so `from keras_scaffold_checks import` failed: the test imports the
    checks module through the package, as it does the class."""
    package = adopted_in_package(run_cli, tmp_path, "blocks.py")
    text = (package / "test_composite_layer.py").read_text()
    assert "from pkg.sub.keras_scaffold_checks import" in text
    plain_pytest_passes(tmp_path, without_pythonpath=True)


def test_the_record_names_the_real_module(run_cli, tmp_path):
    """The record of `pkg/sub/gated.py::CompositeLayer` says where the class is:
    `module_import` is `pkg.sub.gated` and `module_dir` its folder (not `.`);
    `module_name` names the component (its record and test file), as for a
    generated one."""
    adopted_in_package(run_cli, tmp_path, "gated.py")
    (answers,) = (tmp_path / ".keras-scaffold").glob("*.yml")
    record = yaml.safe_load(answers.read_text())
    assert record["module_import"] == "pkg.sub.gated"
    assert record["module_dir"] == "pkg/sub"
    assert (tmp_path / record["module_dir"] / "gated.py").is_file()
    assert run_cli("regenerate", "--check", cwd=tmp_path).code == 0


def test_adopt_in_a_project_writes_into_its_tests_folder(run_cli, tmp_path):
    made = run_cli("init", "proj", cwd=tmp_path)
    assert made.code == 0, made.err
    project = tmp_path / "proj"
    layers = next(project.glob("src/*/layers"))
    shutil.copy(LAYER, layers / "blocks.py")
    result = run_cli(
        "adopt", f"{layers.relative_to(project)}/blocks.py::CompositeLayer", cwd=project
    )
    assert result.code == 0, result.err
    test_file = project / "tests" / "test_composite_layer.py"
    package = layers.parent.name
    assert (
        f"from {package}.layers.blocks import CompositeLayer" in test_file.read_text()
    )
    assert (project / ".keras-scaffold" / "composite_layer.yml").is_file()
    again = run_cli("adopt", "src/x.py::Y", cwd=project)
    assert again.code == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["blocks.py::Missing"], "defines no Keras layer or model `Missing`"),
        (["blocks.py"], "name the class, as PATH::Class"),
        (["nope.py::CompositeLayer"], "nope.py: no such file"),
        (["blocks.py::CompositeLayer", "--init", "[1]"], "give a JSON object"),
        (["blocks.py::CompositeLayer", "--input-shape", "0,3"], "positive sizes"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(run_cli, tmp_path, args, message):
    folder = adopted(tmp_path)
    before = snapshot(folder)
    result = run_cli("adopt", *args, cwd=folder)
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(folder) == before


def test_arguments_that_cannot_be_guessed_are_asked_for(run_cli, tmp_path):
    (tmp_path / "picky.py").write_text(
        "import keras\n\n\nclass Picky(keras.layers.Layer):\n"
        "    def __init__(self, table, **kwargs):\n"
        "        super().__init__(**kwargs)\n",
        "utf-8",
    )
    result = run_cli("adopt", "picky.py::Picky", cwd=tmp_path)
    assert result.code == 2
    assert "`Picky` needs arguments no sample can be found for (table)" in result.err
    assert '--init \'{"table": "..."}\'' in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picky.py"]


def test_existing_files_need_force(run_cli, tmp_path):
    folder = adopted(tmp_path)
    assert run_cli("adopt", "blocks.py::CompositeLayer", cwd=folder).code == 0
    # A component that is all there is refused even where its files hold the same
    # text (issue 25: an existing target is refused); so is a changed test file.
    same = run_cli("adopt", "blocks.py::CompositeLayer", cwd=folder)
    assert same.code == 1
    assert "already exist" in same.err
    test_file = folder / "test_composite_layer.py"
    test_file.write_text(test_file.read_text() + "# mine\n")
    again = run_cli("adopt", "blocks.py::CompositeLayer", cwd=folder)
    assert again.code == 1
    assert "already exist" in again.err
    assert test_file.read_text().endswith("# mine\n")
    forced = run_cli("adopt", "blocks.py::CompositeLayer", "--force", cwd=folder)
    assert forced.code == 0, forced.err


def test_adopted_is_not_a_pattern_to_generate(run_cli, tmp_path):
    listed = run_cli("list", cwd=tmp_path)
    assert "adopted" not in listed.out
    new = run_cli("new", "adopted", "Thing", cwd=tmp_path)
    assert new.code == 2
    assert "adopted" not in Templates().patterns


def test_plain_copier_copy_gives_the_same_files(tmp_path, templates_copy):
    shutil.copy(LAYER, tmp_path / "blocks.py")
    source = (tmp_path / "blocks.py").read_text()
    target = adopt.find_targets(tmp_path / "blocks.py", source, adopt.Options())[0]
    answers = adopt.answers_for(target)
    files = render(Templates(templates_copy), answers).files
    assert copier_copy(templates_copy, answers, tmp_path / "copier") == {
        path: text.encode() for path, text in files.items()
    }
    assert "composite_layer.py" not in files  # the module is the user's


def test_remove_takes_the_tests_and_never_the_users_module(run_cli, tmp_path):
    """Even without a merge base (--force), where the module's name is the one a
    generated module of the class would have."""
    shutil.copy(LAYER, tmp_path / "composite_layer.py")
    added = run_cli("adopt", "composite_layer.py::CompositeLayer", cwd=tmp_path)
    assert added.code == 0, added.err
    shutil.rmtree(tmp_path / ".keras-scaffold" / "composite_layer.base")
    removed = run_cli("remove", "composite_layer", "--force", cwd=tmp_path)
    assert removed.code == 0, removed.err
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "composite_layer.py"
    ]


GATED = """import keras


@keras.saving.register_keras_serializable(package="sub")
class GatedProjection(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.gate = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel) * keras.ops.sigmoid(self.gate)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
"""


def test_adopt_in_a_sub_folder_of_a_folder_with_records(run_cli, tmp_path):
    """Issue 36, 1: adopting from `sub/`, below a folder that keeps records, wrote
    a record `regenerate` refused for every component (`gated` is no module of the
    project): the module sits in `sub/`, where the test file imports it from."""
    assert run_cli("new", "simple", "Alpha", "--output", ".", cwd=tmp_path).code == 0
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "gated.py").write_text(GATED, "utf-8")
    result = run_cli(
        "adopt", "gated.py::GatedProjection", "--init", '{"units": 4}', cwd=sub
    )
    assert result.code == 0, result.err
    assert (tmp_path / ".keras-scaffold" / "gated_projection.yml").is_file()
    assert (sub / "test_gated_projection.py").is_file()
    checked = run_cli("regenerate", "--check", cwd=tmp_path)
    assert (checked.code, checked.err) == (0, "")
    assert checked.out == "2 component(s) up to date.\n"
    assert run_cli("regenerate", "--check", cwd=sub).code == 0
    # The adopted class's tests run where they were written.
    plain_pytest_passes(sub)
