"""`check` on code nobody here tuned it to (issue 35): the false findings and wrong
claims it gave on keras-cv 0.9.0, keras-rs 0.4.0, k3-node 1.0.0 and cstmodels
0.1.1, each as a short fixture in check_fixtures/corpus (the real shape, with
where it comes from). Each is checked, to show `check` is now quiet or says what
happens, and run with Keras (one subprocess for all), to show what happens."""

from pathlib import Path

import pytest
from conftest import REPO, run_json_script

from keras_scaffold.check import check_paths, check_source

CORPUS = REPO / "tests" / "check_fixtures" / "corpus"


def found(name: str, select=()) -> list[tuple[str, int, str]]:
    report = check_paths([CORPUS / name], select)
    assert report.errors == []
    return [(f.rule, f.line, f.message) for f in report.findings]


def rules(name: str, select=()) -> list[tuple[str, int]]:
    return [(rule, line) for rule, line, _ in found(name, select)]


# ---------------------------------------------------------------- KS401, KS404


def test_tf_compat_backend_functions_are_not_reported_as_missing():
    # `tensorflow.keras.backend` keeps name_scope and binary_crossentropy (Keras
    # 3's tf-compat surface); it does not keep placeholder.
    assert [(r, n) for r, n in rules("tf_compat_backend.py") if r == "KS401"] == [
        ("KS401", 24)
    ]


def test_tf_keras_imports_name_the_tensorflow_tie_not_keras_2():
    messages = [m for r, _, m in found("tf_compat_backend.py") if r == "KS404"]
    assert len(messages) == 2
    for message in messages:
        assert "is Keras 2" not in message
        assert "TensorFlow" in message


def test_the_assignment_that_installs_a_shim_is_not_a_use():
    assert rules("shim_package") == []


# ---------------------------------------------------------------- KS202, KS205


def test_sub_layers_built_in_their_own_init_are_not_unbuilt():
    assert rules("built_in_own_init.py") == []


def test_a_sub_layer_without_weights_made_in_build_is_not_unbuilt():
    # keras-nlp's StartEndPacker has no weights, and no dtype policy to follow.
    assert rules("weightless_packer.py") == []


def test_a_sub_layer_chosen_among_branches_is_not_reported():
    assert rules("aggregation_branches.py") == []


# ---------------------------------------------------------------------- KS601


def test_an_lstm_over_an_axis_made_in_call_needs_no_mask():
    assert rules("depth_axis_lstm.py") == []


# ---------------------------------------------------------------- KS104, KS107


def test_keys_handed_to_keras_layer_init_fail_with_its_value_error():
    (message,) = [m for r, _, m in found("config_claims.py") if r == "KS107"][:1]
    assert "`drop_prop`" in message
    assert "ValueError" in message and "Unrecognized keyword arguments" in message


def test_an_argument_missing_from_a_config_that_cannot_load_gets_no_default():
    messages = [m for r, _, m in found("config_claims.py") if r == "KS104"]
    assert len(messages) == 2  # sr_ratio, drop_prob
    for message in messages:
        assert "gets the default" not in message.split(";")[0]
        assert "does not load" in message and "drop_prop" in message


def test_kwargs_handed_to_a_parent_without_kwargs_name_the_parent():
    (message,) = [
        m for r, _, m in found("config_claims.py") if "SimCLRTrainer" in m and r
    ]
    assert "`SimCLRTrainer.__init__` hands through `**kwargs`" in message
    assert "`ContrastiveTrainer.__init__`" in message
    assert "`name`, `trainable`, `dtype`" in message


def test_an_argument_that_may_be_an_object_says_when_saving_fails():
    (message,) = [
        m for r, _, m in found("config_claims.py") if r == "KS103" and "NonLin" in m
    ]
    assert "once one is given an object (with its plain default it saves)" in message


def test_a_model_subclass_without_get_config_gets_its_own_claim():
    model = [m for r, _, m in found("config_claims.py") if "`keras.Model`" in m]
    assert len(model) == 2, model
    required, defaulted = sorted(model, key=lambda m: "requires" not in m)
    assert "`SelfAttention`" in required and "requires `dim`" in required
    assert "raise NotImplementedError" in required
    assert "`Defaulted`" in defaulted and "gets the defaults" not in defaulted
    assert "built with the defaults, not the values given" in defaulted
    assert not [
        m
        for r, _, m in found("config_claims.py")
        if r == "KS107" and ("SelfAttention" in m or "Defaulted" in m)
    ]


# ---------------------------------------------------------------- KS301, KS101


def test_per_backend_implementations_chosen_at_import_are_deliberate():
    assert rules("per_backend") == []


def test_a_backend_folder_checked_alone_is_still_deliberate():
    folder = "per_backend/embedding/jax"
    assert rules(folder, ["KS301"]) == []


def test_a_file_chosen_at_import_by_backend_is_deliberate(tmp_path):
    # No folder named after the backend: only the choice at import says so.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fast.py").write_text(
        "import jax.numpy as jnp\nimport keras\n\n\n"
        "class Fast(keras.layers.Layer):\n"
        "    def call(self, x):\n        return jnp.sin(x)\n"
    )
    (package / "torch_only.py").write_text(
        (package / "fast.py")
        .read_text()
        .replace("jax.numpy as jnp", "torch")
        .replace("jnp.sin", "torch.sin")
        .replace("Fast", "TorchOnly")
    )
    (package / "layer.py").write_text(
        "import keras\n\n"
        'if keras.backend.backend() == "jax":\n'
        "    from pkg.fast import Fast as Base\n"
        "else:\n    from pkg.torch_only import TorchOnly as Base\n\n\n"
        '@keras.saving.register_keras_serializable(package="pkg")\n'
        "class Layer(Base):\n    pass\n"
    )
    found = check_paths([package]).findings
    # The torch file is chosen under `else`, on every backend but JAX: reported.
    assert [(f.rule, Path(f.path).name) for f in found] == [("KS301", "torch_only.py")]


def test_backend_code_in_an_ordinary_file_is_still_reported(tmp_path):
    path = tmp_path / "layer.py"
    text = (CORPUS / "per_backend/embedding/jax/distributed_embedding.py").read_text()
    text = text.replace(
        "from per_backend.embedding import base_distributed_embedding", "import keras"
    ).replace("base_distributed_embedding.DistributedEmbedding", "keras.layers.Layer")
    path.write_text(text)
    assert [f.rule for f in check_paths([path], ["KS301"]).findings] == ["KS301"]


# --------------------------------------------------------------- run with Keras

RUNNER = r"""
import json, os, sys, tempfile
import numpy as np
import keras

results = {}
folder = tempfile.mkdtemp()


def outcome(function):
    try:
        return function()
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def save_and_load(layer, shape, dtype="float32"):
    inputs = keras.Input(shape, dtype=dtype)
    model = keras.Model(inputs, layer(inputs))
    path = os.path.join(folder, f"{layer.name}.keras")
    model.save(path)
    keras.models.load_model(path)
    return "loads"


from tensorflow.keras import backend
import tf_compat_backend
results["tf_compat"] = [
    hasattr(backend, "name_scope"),
    hasattr(backend, "binary_crossentropy"),
    hasattr(backend, "placeholder"),
    float(np.asarray(tf_compat_backend.binary_crossentropy(
        np.zeros((1, 2), "float32"), np.zeros((1, 2), "float32")
    )).sum()) > 0,
]

import shim_package
results["shim"] = keras.backend.name_scope is keras.name_scope

from built_in_own_init import MEGNetGraphConv, MultiHeadAttentionWithRelativePE
counts = []
for layer, shape in ((MultiHeadAttentionWithRelativePE(), (2, 4, 4)),
                     (MEGNetGraphConv(), (2, 3))):
    layer.build(shape)
    built = len(layer.weights)
    layer(np.ones(shape, "float32"))
    counts.append([built, len(layer.weights)])
results["built_in_own_init"] = counts

from aggregation_branches import AGNNConv
layer = AGNNConv()
results["aggregation"] = [type(layer.aggr_module).__name__,
                          len(layer.aggr_module.weights)]

from config_claims import Defaulted, Encoder, NonLinearHead, SelfAttention
from config_claims import SimCLRTrainer
results["encoder"] = outcome(lambda: save_and_load(Encoder(), (4,)))
results["simclr"] = outcome(
    lambda: SimCLRTrainer.from_config(SimCLRTrainer().get_config())
)

results["non_linear_head"] = [
    outcome(lambda: save_and_load(NonLinearHead(), (4,))),
    outcome(lambda: save_and_load(NonLinearHead(activation_fn=keras.ops.tanh), (4,))),
]

results["model_config"] = [
    outcome(lambda: SelfAttention(8).get_config()),
    Defaulted(units=5).get_config().get("units"),
]

from per_backend.embedding.distributed_embedding import DistributedEmbedding
results["per_backend"] = [
    DistributedEmbedding.__mro__[1].__module__,
    outcome(lambda: save_and_load(DistributedEmbedding(), (3,), "int32")),
]
from no_super_init import Augmenter, Delegating, Fine, Gate
results["no_super_init"] = [
    outcome(lambda: list(Augmenter([keras.layers.Identity()])(np.ones((1, 2))).shape)),
    outcome(lambda: Augmenter([]).get_config()),
    outcome(lambda: Gate(open=False).get_config()),
    outcome(lambda: save_and_load(Fine(), (2,))),
    outcome(lambda: len(Delegating().layers)),
]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def ran():
    return run_json_script(RUNNER, CORPUS, "jax")


@pytest.mark.slow
def test_what_the_fixtures_do_when_run(ran):
    # TensorFlow's tf-compat surface keeps both functions, not placeholder.
    assert ran["tf_compat"] == [True, True, False, True]
    assert ran["shim"] is True
    # Every weight is there after `build()`: as many as after a call.
    for built, called in ran["built_in_own_init"]:
        assert built == called > 0
    # The default aggregation has no weights.
    assert ran["aggregation"] == ["SumAggregation", 0]
    # Keras's own ValueError, wrapped in a TypeError by `from_config`.
    assert ran["encoder"].startswith("TypeError")
    assert "Unrecognized keyword arguments passed to Encoder" in ran["encoder"]
    # The parent's `__init__` refuses `name`.
    assert ran["simclr"].startswith("TypeError")
    assert "ContrastiveTrainer.__init__() got an unexpected keyword" in ran["simclr"]
    # On JAX the JAX file is the parent; the public class saves and loads.
    # Saves with the plain default; given a callable, `get_config` cannot.
    plain, given = ran["non_linear_head"]
    assert plain == "loads" and given.startswith("NotImplementedError"), given
    # A Model's automatic config: none with a required argument, else defaults.
    required, defaulted = ran["model_config"]
    assert required.startswith("NotImplementedError"), required
    assert defaulted == 8
    # Its own `__call__` runs; `get_config` raises, also on the path skipped.
    calls, config, early, fine, delegating = ran["no_super_init"]
    assert calls == [1, 2]
    assert config.startswith("RuntimeError") and "super().__init__()" in config
    assert early.startswith("RuntimeError")
    assert fine == "loads" and delegating == 1
    assert ran["per_backend"] == [
        "per_backend.embedding.jax.distributed_embedding",
        "loads",
    ]


def test_the_tf_compat_surface_lacks_exactly_the_names_listed():
    pytest.importorskip("keras")
    from keras._tf_keras.keras import backend

    from keras_scaffold.check.keras2 import (
        REMOVED_BACKEND_FUNCTIONS,
        TF_COMPAT_MISSING,
    )

    for name in REMOVED_BACKEND_FUNCTIONS:
        assert hasattr(backend, name) == (name not in TF_COMPAT_MISSING), name


# ---------------------------------------------------------------------- KS108


def test_an_init_that_skips_the_parents_init_is_reported():
    found_here = found("no_super_init.py", ["KS108"])
    assert [(rule, line) for rule, line, _ in found_here] == [
        ("KS108", 14),  # Augmenter: never
        ("KS108", 25),  # Gate: returns early at line 28
    ]
    never, early = (message for _, _, message in found_here)
    assert "`Augmenter.__init__` never calls `super().__init__()`" in never
    assert "returns at line 28" in early
    assert "RuntimeError" in never and "get_config()" in never


def test_the_automatic_config_of_such_a_class_is_not_reported():
    # Its `get_config` raises RuntimeError before any key matters.
    assert [r for r, _ in rules("no_super_init.py") if r in ("KS103", "KS107")] == []


INIT_PATHS = {
    "super().__init__(**kwargs)": False,
    "keras.layers.Layer.__init__(self, **kwargs)": False,
    "return super().__init__(**kwargs)": False,
    "self._setup(**kwargs)": False,  # a helper that makes the call
    "if kwargs:\n        raise ValueError('no')\n    super().__init__()": False,
    "try:\n        super().__init__(**kwargs)\n    except TypeError:\n"
    "        super().__init__()": False,
    "with keras.name_scope('x'):\n        super().__init__(**kwargs)": False,
    "match kwargs:\n        case {}:\n            super().__init__()\n"
    "        case _:\n            super().__init__(**kwargs)": True,  # no case
    "for _ in range(1):\n        super().__init__(**kwargs)": True,  # may not run
    "try:\n        super().__init__(**kwargs)\n    except TypeError:\n"
    "        pass": True,
    "def later():\n        super().__init__()": True,  # never called
    "if kwargs:\n        super().__init__(**kwargs)": True,
    "self.units = 4": True,
}


@pytest.mark.parametrize("body", sorted(INIT_PATHS))
def test_every_path_through_init_is_followed(body):
    source = (
        "import keras\n\n\n"
        '@keras.saving.register_keras_serializable(package="demo")\n'
        "class Layer(keras.layers.Layer):\n"
        "    def __init__(self, **kwargs):\n"
        f"        {body.replace(chr(10), chr(10) + '    ')}\n\n"
        "    def _setup(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
    )
    report = check_source("x.py", source, {"KS108"})
    assert bool(report) == INIT_PATHS[body], source


# ---------------------------------------------------------------------- KS301


def test_tensorflow_code_outside_traced_calls_is_not_reported():
    # Files, nested structures, device scopes, and `__init__` (run once, eagerly):
    # only `tf.shape` in `Patches.call` fails on another backend.
    assert rules("tf_outside_traced_calls.py") == [("KS301", 46)]


def test_a_preprocessing_package_runs_in_tf_data(tmp_path):
    # keras-cv's `layers/preprocessing_3d/`: tf.data layers, like Keras's own
    # `layers/preprocessing/` (no KS301, KS202, KS203).
    folder = tmp_path / "lib" / "layers" / "preprocessing_3d"
    folder.mkdir(parents=True)
    for each in (tmp_path / "lib", tmp_path / "lib" / "layers", folder):
        (each / "__init__.py").write_text("")
    (folder / "flip.py").write_text(
        "import keras\nimport tensorflow as tf\n\n\n"
        '@keras.saving.register_keras_serializable(package="lib")\n'
        "class GlobalRandomFlip(keras.layers.Layer):\n"
        "    def call(self, points):\n        return tf.reverse(points, [1])\n"
    )
    assert check_paths([folder]).findings == []


def test_an_argument_read_with_a_keras_getter_may_be_a_name():
    # keras-hub 0.32.0 (Apache-2.0), `keras_hub/src/models/t5/t5_transformer_layer.py`:
    # `activation` is required and read with `keras.activations.get`; T5 passes a
    # name ("relu"), which Keras's automatic config saves.
    source = (
        "import keras\n\n\n"
        '@keras.saving.register_keras_serializable(package="demo")\n'
        "class T5TransformerLayer(keras.layers.Layer):\n"
        "    def __init__(self, hidden_dim, activation, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.activation = keras.activations.get(activation)\n\n"
        "    def call(self, x):\n        return self.activation(x)\n"
    )
    (finding,) = check_source("t5.py", source, {"KS103"})
    assert "as well as plain values (`activation`)" in finding.message
    assert "once one is given an object" in finding.message
