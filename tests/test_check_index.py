"""Which classes `check` audits: every Layer and Model subclass of the files
given, whatever file or package its base is defined in and however it is
imported (keras-hub's Backbones and Tasks, Keras's Conv1D)."""

import textwrap
from pathlib import Path

from keras_scaffold.check import check_paths
from keras_scaffold.check.catalog import BY_ID

GOOD = BY_ID["KS101"].good


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def audited(*paths: Path) -> list[str]:
    return sorted(name for _, name in check_paths(list(paths)).audited)


def test_bases_in_other_files_of_the_package(tmp_path):
    tree(
        tmp_path,
        {
            "lib/__init__.py": "from lib.models.backbone import Backbone\n",
            "lib/models/__init__.py": "",
            "lib/models/backbone.py": """
                import keras

                class Backbone(keras.Model):
                    pass
            """,
            "lib/models/task.py": """
                from .backbone import Backbone  # relative
                from .. import Backbone as Again  # re-exported by the package

                class Small(Backbone):
                    pass

                class Large(Again):
                    pass
            """,
            # A namespace sub-package: no __init__.py, inside a package.
            "lib/models/extra/head.py": """
                from lib.models.task import Small

                class Head(Small):
                    pass
            """,
            "lib/other.py": """
                class NotKeras:
                    pass

                class Child(NotKeras):
                    pass
            """,
        },
    )
    assert audited(tmp_path / "lib") == ["Backbone", "Head", "Large", "Small"]
    # One file named alone: its bases are read from the rest of its package.
    assert audited(tmp_path / "lib" / "models" / "extra" / "head.py") == ["Head"]


def test_keras_re_exported_by_a_library(tmp_path):
    """keras-cv's `from keras_cv.src.backend import keras`, with the backend
    module in the tree or not."""
    tree(
        tmp_path,
        {
            "kcv/__init__.py": "",
            "kcv/backend.py": "from tensorflow import keras\n",
            "kcv/layers.py": """
                from kcv.backend import keras
                from other_lib.backend import keras as elsewhere

                class Here(keras.layers.Layer):
                    pass

                class Away(elsewhere.layers.Layer):
                    pass
            """,
        },
    )
    assert audited(tmp_path / "kcv" / "layers.py") == ["Away", "Here"]


def test_sibling_modules_outside_a_package(tmp_path):
    """Files in a plain folder import each other as top-level modules."""
    tree(
        tmp_path,
        {
            "base.py": """
                import keras

                class Base(keras.layers.Layer):
                    pass
            """,
            "child.py": """
                from base import Base

                class Child(Base):
                    pass
            """,
        },
    )
    assert audited(tmp_path / "child.py") == ["Child"]


def test_a_cycle_of_bases_ends(tmp_path):
    tree(
        tmp_path,
        {
            "a.py": "from b import B\nclass A(B):\n    pass\n",
            "b.py": "from a import A\nclass B(A):\n    pass\n",
        },
    )
    assert audited(tmp_path) == []


def test_the_summary_says_what_was_audited(run_cli, tmp_path):
    tree(tmp_path, {"one.py": GOOD, "two.py": GOOD, "notes.py": "x = 1\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.out == "All checks passed (2 classes in 3 files).\n"
    empty = run_cli("check", "notes.py", cwd=tmp_path)
    assert empty.out == "All checks passed (0 classes in 1 file).\n"


def test_a_hierarchy_deeper_than_the_recursion_limit(tmp_path):
    """Parents linked and methods found without recursion: 3,000 classes, each
    deriving from the next one defined (so none is linked in one pass)."""
    count = 3000
    lines = ["import keras", "", f"class Layer{count}(keras.layers.Layer):"]
    lines += ["    def get_config(self):", "        return super().get_config()"]
    for index in reversed(range(count)):
        lines += [
            f"class Layer{index}(Layer{index + 1}):",
            f"    def __init__(self, units{index}=1, **kwargs):",
            "        super().__init__(**kwargs)",
        ]
    (tmp_path / "deep.py").write_text("\n".join(lines) + "\n")
    report = check_paths([tmp_path / "deep.py"])
    assert report.errors == [] and report.classes == count + 1
    # Each class's argument is missing from the config it inherits.
    assert len([f for f in report.findings if f.rule == "KS104"]) == count


def test_a_layer_of_a_preprocessing_package_runs_in_tf_data(tmp_path):
    """Keras's FeatureSpace and TextVectorization (keras/src/layers/preprocessing/)
    create lookups and encodings without the dtype policy: they run in tf.data,
    where none applies, so KS203 says nothing there; the same layer elsewhere is
    reported."""
    layer = """
        import keras

        @keras.saving.register_keras_serializable(package="lib")
        class Vectorizer(keras.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.lookup = keras.layers.StringLookup(vocabulary=["a", "b"])
                self.scale = keras.layers.Rescaling(0.5)

            def call(self, inputs):
                return self.scale(self.lookup(inputs))
    """
    tree(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/preprocessing/__init__.py": "",
            "lib/preprocessing/vectorizer.py": layer,
            "lib/blocks.py": layer,
        },
    )
    report = check_paths([tmp_path / "lib"], select=["KS202", "KS203"])
    # Nor does KS202: such a layer is built by `adapt`, not by an input shape
    # (Keras's FeatureSpace, adapted, saved and loaded, warns of nothing).
    assert {(Path(f.path).name, f.rule) for f in report.findings} == {
        ("blocks.py", "KS202"),
        ("blocks.py", "KS203"),
    }
