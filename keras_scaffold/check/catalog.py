"""Every rule of `keras-scaffold check`: its ID, title, explanation, fix hint and a
bad and a good example (each a whole module: the tests check that the bad one breaks
the rule and the good one breaks none).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    explanation: str
    hint: str
    bad: str
    good: str
    # Run unless --select names it: False for rules about style, not behaviour.
    default: bool = True


GROUPS = {
    "KS1": "Saving and loading",
    "KS2": "Sub-layers, weights and build",
    "KS3": "Backend portability",
    "KS4": "Keras 2 leftovers",
    "KS5": "Arguments",
    "KS6": "Masking",
    "KS9": "Running the generated tests (--run)",
}

_HEAD = 'import keras\n\n\n@keras.saving.register_keras_serializable(package="demo")\n'

_SCALE_GOOD = _HEAD + """class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
"""

_ACT_GOOD = _HEAD + """class Act(keras.layers.Layer):
    def __init__(self, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = {"activation": keras.activations.serialize(self.activation)}
        return {**super().get_config(), **config}
"""

_BLOCK_GOOD = _HEAD + """class Block(keras.layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units, dtype=self.dtype_policy, name="dense")

    def build(self, input_shape):
        if not self.dense.built:
            self.dense.build(input_shape)

    def call(self, inputs):
        return self.dense(inputs)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
"""

RULES = [
    Rule(
        "KS101",
        "class not registered",
        "`keras.models.load_model` finds a custom class by the name it was "
        "registered under; a class saved without "
        "`@keras.saving.register_keras_serializable` loads only when the caller "
        "passes `custom_objects`, and otherwise fails with `Unknown layer`. Not "
        "reported: private classes (a leading underscore), classes defined in a "
        "function, classes that other classes in the same file derive from, and "
        "classes under a decorator of their library's that may register them "
        "(its name holds `export` or `register`, like `@keras_hub_export(...)`), "
        "and classes that another class checked derives from through a name "
        "imported in several branches (a backend's implementation that "
        "`keras.backend.backend()` picks at import, as keras-rs's "
        "`DistributedEmbedding`: the public class is registered, and registering "
        "the base too would take its name a second time).",
        "decorate it with `@keras.saving.register_keras_serializable(package=...)`, "
        "as every `keras-scaffold new` pattern does",
        """import keras


class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
""",
        _SCALE_GOOD,
    ),
    Rule(
        "KS102",
        "registered without a package",
        "Without `package=`, the class is registered as `Custom>Name`: two "
        "libraries that both define a `Name` overwrite each other's registration, "
        "and the saved model loads whichever was imported last. Give every class "
        "the package it ships in.",
        "pass `package=` to `register_keras_serializable` (see `keras-scaffold "
        "new simple`)",
        _SCALE_GOOD.replace('(package="demo")', "()"),
        _SCALE_GOOD,
    ),
    Rule(
        "KS103",
        "`get_config` missing where `__init__` takes objects",
        "Loading calls `from_config(get_config())`, that is `__init__(**config)`. "
        "Without its own `get_config`, a Keras 3 layer falls back on an automatic "
        "config that holds only plain str, int, float, bool and None values (and "
        "lists of them); given an initializer, a callable, a layer or any other "
        "object, `get_config` raises `NotImplementedError` and the model cannot be "
        "saved. Reported where the source shows an argument takes objects: "
        "annotated with a class, defaulting to an object, or read with "
        "`keras.activations.get`, `keras.initializers.get` and the like. The "
        "automatic config holds the arguments as given, so an argument whose "
        'default is a plain value (`activation="relu"`), or that is only read '
        "with a `keras.*.get` (which takes a name too), saves until it is given "
        "an object: the message says so. Arguments "
        "passed on to the parent's `__init__` are the parent's to save. A "
        "`keras.Model` subclass is different: `Model.__new__` hands the "
        "automatic config no arguments, so it is made from `__init__`'s "
        "defaults alone; with a required argument there is none (`get_config` "
        "and `model.save` raise NotImplementedError), else a loaded model gets "
        "the defaults, not the values given (Keras 3.15.1).",
        "add a `get_config` that returns `{**super().get_config(), ...every "
        "argument...}` (see `keras-scaffold new simple`)",
        _ACT_GOOD.split("\n    def get_config")[0] + "\n",
        _ACT_GOOD,
    ),
    Rule(
        "KS104",
        "`__init__` argument missing from `get_config`",
        "Every argument of `__init__` that is not passed on to the parent must be a "
        "key of `get_config()`, or the loaded layer is built with that argument's "
        "default instead of the saved value (or, for a required argument, does not "
        "load at all). Keras's automatic config fills the gap only while every "
        "argument is a plain value, so the omission shows only with some "
        "arguments. Reported only where every key `get_config` writes can be read "
        "from the source. `check --fix` adds the key where `get_config` writes its "
        "own (the dict it returns, its `config.update(...)`, a `config[key] = ...` "
        "line), valued as `__init__` stores the argument: `self.x` for `self.x = "
        "argument`, `keras.activations.serialize(self.x)` for `self.x = "
        "keras.activations.get(argument)` (so `initializers`, `regularizers`, "
        "`constraints`); only with `--unsafe-fixes` `self.x` for `self.x = "
        "function(argument)` (right where the function gives its own result back "
        "unchanged, as `standardize_data_format` does); no fix where the argument is "
        "not stored, is stored in a sub-layer, a seed generator, an expression or "
        "under a condition, or takes an object (a default that is not a literal, a "
        "name such as `norm_layer`, an attribute called as a layer).",
        "add the argument to the dict `get_config` returns (see `keras-scaffold "
        "new simple`)",
        _SCALE_GOOD.replace('"factor": self.factor', '"scale": self.factor'),
        _SCALE_GOOD,
    ),
    Rule(
        "KS105",
        "`get_config` does not merge `super().get_config()`",
        "The base config carries `name`, `trainable` and `dtype` (the dtype "
        "policy); a `get_config` that builds its dict from scratch drops them, so a "
        "loaded layer gets a new name, is trainable again and computes in the "
        "default dtype.",
        "return `{**super().get_config(), ...}` (see `keras-scaffold new simple`)",
        _SCALE_GOOD.replace("{**super().get_config(), ", "{"),
        _SCALE_GOOD,
    ),
    Rule(
        "KS106",
        "nested layer or object in the config without `from_config`",
        "A config that holds a layer (or anything `keras.layers.serialize` or "
        "`keras.saving.serialize_keras_object` wrote, or a sub-layer's own "
        "`get_config()`) is handed back to `__init__` as a plain dict by the "
        "default `from_config`. A layer's own config also repeats its `name`, so "
        "code that passes `name=` again fails with a `TypeError`. The class needs a "
        "`from_config` (or an `__init__`) that rebuilds the object with "
        "`keras.layers.deserialize` / `keras.saving.deserialize_keras_object`.",
        "store it with `keras.layers.serialize` and rebuild it in `from_config` "
        "with `keras.layers.deserialize` (see `keras-scaffold new dynamic`)",
        _HEAD + """class Wrapper(keras.layers.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def build(self, input_shape):
        if not self.inner.built:
            self.inner.build(input_shape)

    def call(self, inputs):
        return self.inner(inputs)

    def get_config(self):
        config = {"inner": keras.layers.serialize(self.inner)}
        return {**super().get_config(), **config}
""",
        _HEAD + """class Wrapper(keras.layers.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def build(self, input_shape):
        if not self.inner.built:
            self.inner.build(input_shape)

    def call(self, inputs):
        return self.inner(inputs)

    def get_config(self):
        config = {"inner": keras.layers.serialize(self.inner)}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["inner"] = keras.layers.deserialize(config["inner"])
        return cls(**config)
""",
    ),
    Rule(
        "KS107",
        "`get_config` writes a key `__init__` does not take",
        "Loading calls `__init__(**get_config())`, so every key of the config must "
        "be an argument `__init__` takes. A key it does not take makes "
        "`load_model` raise a `TypeError` (`from_config` wraps the error): "
        "`__init__`'s own (an unexpected keyword argument) where it, or the "
        "parent's `__init__` it hands `**kwargs` to, has no `**kwargs`, and "
        'Keras\'s `ValueError` ("Unrecognized keyword arguments") where '
        "`**kwargs` reach `keras.layers.Layer.__init__`. The "
        "commonest case is an `__init__` without `**kwargs`: Keras's own config "
        "adds `name`, `trainable` and `dtype`, even to the automatic config of a "
        "class that defines no `get_config`. Keys are followed through "
        "`**kwargs` handed to the parent's `__init__`; a class with its own "
        "`from_config` (which may take keys out) is not reported.",
        "take `**kwargs` in `__init__` and pass them to `super().__init__`, and "
        "write only keys `__init__` takes (see `keras-scaffold new simple`)",
        _HEAD + """class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0):
        super().__init__()
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
""",
        _SCALE_GOOD,
    ),
    Rule(
        "KS108",
        "`__init__` that does not call `super().__init__()`",
        "Keras's `Layer.__init__` sets up what every other method of the layer "
        "checks for: an `__init__` that never calls it, or returns early on a "
        "path without calling it, makes a layer whose call, `build()`, "
        '`add_weight()` and `get_config()` raise RuntimeError ("you forgot to '
        'call `super().__init__()`"), so `model.save` fails too. A class that '
        "overrides `__call__` (keras-cv's `Augmenter`) runs, and fails only when "
        "saved. A path that raises makes no layer and needs no call; "
        "`Base.__init__(self, ...)`, `return super().__init__(...)` and a helper "
        "method that makes the call count.",
        "call `super().__init__(**kwargs)` first in `__init__`, on every path "
        "(see `keras-scaffold new simple`)",
        _SCALE_GOOD.replace("        super().__init__(**kwargs)\n", ""),
        _SCALE_GOOD,
    ),
    Rule(
        "KS201",
        "sub-layer created outside `__init__` / `build`",
        "A layer created in `call()` (or any method that `__init__` and `build()` "
        "do not run) is a new layer on every call: fresh weights each time, none "
        "of them tracked, trained or saved, and once the parent is built Keras "
        "refuses new state. Create sub-layers in `__init__` and call them in "
        "`call()`. Layers without weights (`Add`, `Reshape`, `Dropout`, ..., and "
        "classes of the same file that create none) are not reported.",
        "create the sub-layer in `__init__` and only call it in `call()` (see "
        "`keras-scaffold new composite`)",
        _HEAD + """class Block(keras.layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs):
        dense = keras.layers.Dense(self.units, dtype=self.dtype_policy)
        return dense(inputs)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
""",
        _BLOCK_GOOD,
    ),
    Rule(
        "KS202",
        "sub-layers but no `build()`",
        "A `Layer` whose sub-layers own weights needs a `build()` that builds "
        "each of them with the shape it will receive. Without it, "
        "`layer.build(input_shape)` marks the layer built with no weights, and "
        '`load_model` warns that the layer "does not have a `build()` method '
        'implemented and it looks like it has unbuilt state". Sub-layers without '
        "weights (`Dropout`, `Activation`, keras-hub's preprocessing layers, "
        "...) and sub-layers that have their weights once made (built where they "
        "are made, or of a class whose `__init__` makes all its weights) do not "
        "count; `keras.Model` subclasses are not reported, since Keras "
        "builds them by calling them.",
        "add a `build()` that builds each sub-layer that is not yet built, in call "
        "order, with `compute_output_shape` carrying the shape (see "
        "`keras-scaffold new orchestration`)",
        _BLOCK_GOOD.replace(
            """    def build(self, input_shape):
        if not self.dense.built:
            self.dense.build(input_shape)

""",
            "",
        ),
        _BLOCK_GOOD,
    ),
    Rule(
        "KS205",
        "`build()` that leaves a sub-layer unbuilt",
        "Once a layer defines `build()`, Keras builds nothing else for it: a "
        "sub-layer that `build()` never builds (nor mentions, for instance in a "
        "loop over a list) has no weights after `build(input_shape)`. Keras's "
        "layer harness (`run_layer_test`) then counts too few weights, and where "
        "loading rebuilds the layer with `build()` alone (a subclassed model, a "
        "layer nested in another's config) the saved weights have nowhere to go; "
        "inside a functional model the first symbolic call builds the sub-layer "
        "anyway, which hides the problem. Sub-layers without weights (`Dropout`, "
        "`Activation`, keras-hub's preprocessing layers, ...) do not count, nor "
        "do sub-layers that have their weights once made (built where they are "
        "made, or of a class read here whose `__init__` makes all its weights, "
        "like keras-cv's `AddRelativePositionalEmbedding`); only sub-layers "
        "assigned to an attribute in `__init__` are followed, an attribute set "
        "to a layer with weights on one path and, on another, to what may be a "
        "layer without (an argument, a function's result: k3-node's "
        "`MessagePassing.aggr_module`) is left alone, and a `build()` that loops "
        "over `self._layers` or hands `self` to a function is taken to build "
        "them all.",
        "build every sub-layer that is not yet built in `build()`, with the shape "
        "it will receive (see `keras-scaffold new composite`)",
        _BLOCK_GOOD.replace(
            """        if not self.dense.built:
            self.dense.build(input_shape)
""",
            """        self.scale = self.add_weight(shape=(), initializer="ones")
""",
        ).replace(
            "return self.dense(inputs)", "return self.dense(inputs) * self.scale"
        ),
        _BLOCK_GOOD,
    ),
    Rule(
        "KS203",
        "sub-layer without the layer's dtype policy",
        "A sub-layer created without `dtype=` computes in the global default "
        "dtype, not in its parent's (so does `dtype=None`): under `mixed_float16` "
        "the parent's output "
        "comes out float32 instead of float16, and a parent created with "
        '`dtype="float64"` still computes in float32. Pass '
        "`dtype=self.dtype_policy` to every sub-layer (creations with `**kwargs` "
        "are not reported).",
        "pass `dtype=self.dtype_policy` to the sub-layer (see `keras-scaffold new "
        "composite`)",
        _BLOCK_GOOD.replace(", dtype=self.dtype_policy", ""),
        _BLOCK_GOOD,
    ),
    Rule(
        "KS204",
        "weights created outside `__init__` / `build`",
        "`add_weight` in `call()` (or in any method `__init__` and `build()` do not "
        "run) creates a new variable on every call, after the layer is built and "
        "its state is locked: Keras raises, or the weights are never saved. Create "
        "weights in `build()`, where the input shape is known.",
        "create the weight in `build()` (see `keras-scaffold new simple`)",
        _HEAD + """class Bias(keras.layers.Layer):
    def call(self, inputs):
        bias = self.add_weight(shape=(inputs.shape[-1],), initializer="zeros")
        return inputs + bias
""",
        _HEAD + """class Bias(keras.layers.Layer):
    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros")

    def call(self, inputs):
        return inputs + self.bias
""",
    ),
    Rule(
        "KS301",
        "backend-specific code in a layer",
        "Keras 3 layers run on TensorFlow, JAX and PyTorch. A layer that calls "
        "`tf.*`, `torch.*` or `jax.*` (or imports them in its methods) runs on one "
        "backend only, and fails or silently leaves the graph on the others. Use "
        "`keras.ops` and `keras.random`. Only code inside Keras classes is "
        "reported: a test function that uses `tf.GradientTape` is not layer code. "
        "Code behind a `keras.backend.backend()` test is reported too; where one "
        "backend's path is deliberate, mark it `# keras-scaffold: noqa KS301`. "
        "One backend's own implementation is not reported for that backend's "
        "library: a module that a file checked imports under `if "
        'keras.backend.backend() == "jax":` (keras-rs picks its '
        "`DistributedEmbedding` so), or one in a package folder named after the "
        "backend (`jax/`, `tensorflow/`, `tf/`, `torch/`, as in Keras's own "
        "`keras/src/backend/`). Nor is TensorFlow code that touches no traced "
        "tensor and so runs on any backend where TensorFlow is installed: in "
        "`__init__`, `get_config` and `from_config` (run once, eagerly), and "
        "`tf.io.gfile`, `tf.nest`, `tf.device`, `tf.data`, "
        "`tf.executing_eagerly`, the distribution strategy and logging "
        "anywhere; nor the layers of a preprocessing package "
        "(`preprocessing/`, `preprocessing_3d/`), which run in tf.data.",
        "use `keras.ops` / `keras.random` instead (every `keras-scaffold new` "
        "pattern does)",
        "import keras\nimport tensorflow as tf\n\n\n@keras.saving.register_keras_"
        'serializable(package="demo")\nclass Norm(keras.layers.Layer):\n'
        "    def call(self, inputs):\n        return tf.math.l2_normalize(inputs, "
        "axis=-1)\n",
        _HEAD + """class Norm(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.normalize(inputs, axis=-1)
""",
    ),
    Rule(
        "KS401",
        "Keras 2 backend function",
        "Keras 3's `keras.backend` keeps only configuration (`floatx`, `epsilon`, "
        "`clear_session`, ...). The Keras 2 tensor functions (`K.dot`, "
        "`K.batch_dot`, `K.int_shape`, `K.placeholder`, `K.get_session`, ...) are "
        "gone: the code fails with an `AttributeError` or `ImportError`. The "
        "message names the replacement (mostly in `keras.ops`). Through "
        "`tensorflow.keras.backend` (on TensorFlow 2.16 and later, Keras 3's "
        "tf-compat surface, which keeps most of them) only the functions that "
        "surface lacks too are reported (sessions, learning phases, "
        "placeholders); through Keras 2 itself (`tf_keras`) none; and an "
        "assignment that installs a shim (`keras.backend.name_scope = "
        "keras.name_scope`) is no use of a missing name.",
        "use the `keras.ops` function the message names (see `keras-scaffold new "
        "simple`)",
        "import keras\nfrom keras import backend as K\n\n\n@keras.saving.register_"
        'keras_serializable(package="demo")\nclass Gram(keras.layers.Layer):\n'
        "    def call(self, inputs):\n        return K.batch_dot(inputs, inputs, "
        "axes=2)\n",
        _HEAD + """class Gram(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.einsum("bik,bjk->bij", inputs, inputs)
""",
    ),
    Rule(
        "KS402",
        "`self.built = True` set by hand",
        "Keras 2 layers ended `build()` with `self.built = True` (or "
        "`super().build(input_shape)`). Keras 3 marks the layer built, records the "
        "build shapes and locks its state itself when `build()` returns, so the "
        "line is a leftover: harmless, but a sign that the rest of the layer may "
        "be Keras 2 code too. It is a style rule (Keras's own layers still set the "
        "flag), so it is off by default: `--select KS402` (or `--select ALL`) turns "
        "it on. Reported only in a `build()` that does not call `super().build`.",
        "delete the line: Keras 3 marks the layer built (see `keras-scaffold new "
        "simple`)",
        _HEAD + """class Bias(keras.layers.Layer):
    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros")
        self.built = True

    def call(self, inputs):
        return inputs + self.bias
""",
        _HEAD + """class Bias(keras.layers.Layer):
    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros")

    def call(self, inputs):
        return inputs + self.bias
""",
        default=False,
    ),
    Rule(
        "KS403",
        "`get_output_shape_for`",
        "`get_output_shape_for` is the Keras 1 name of `compute_output_shape`; "
        "Keras 3 never calls it, so symbolic calls and `compute_output_shape` fall "
        "back on running the layer, or fail.",
        "rename it `compute_output_shape` (see `keras-scaffold new simple`)",
        _HEAD + """class Twice(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.concatenate([inputs, inputs], axis=-1)

    def get_output_shape_for(self, input_shape):
        return (*input_shape[:-1], 2 * input_shape[-1])
""",
        _HEAD + """class Twice(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.concatenate([inputs, inputs], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 2 * input_shape[-1])
""",
    ),
    Rule(
        "KS404",
        "`tf.keras` or Keras 2 import",
        "`tf.keras`, `tensorflow.keras`, `tf_keras` and `keras.engine` are Keras 2 "
        "spellings. Since TensorFlow 2.16 `tf.keras` is Keras 3's tf-compat "
        "surface unless `TF_USE_LEGACY_KERAS=1` makes it Keras 2 (`tf_keras`), "
        "whose layers are different classes that Keras 3 models reject; either "
        "way the code needs TensorFlow to find Keras, and which Keras it gets "
        "depends on the TensorFlow installed. `keras.engine` does not exist in "
        "Keras 3.",
        "`import keras` and use `keras.layers.Layer` (see `keras-scaffold new "
        "simple`)",
        "from tensorflow import keras\n\n\n@keras.saving.register_keras_"
        'serializable(package="demo")\nclass Identity(keras.layers.Layer):\n'
        "    def call(self, inputs):\n        return inputs\n",
        _HEAD + """class Identity(keras.layers.Layer):
    def call(self, inputs):
        return inputs
""",
    ),
    Rule(
        "KS501",
        "mutable default argument",
        "A list, dict or set default is created once, when the function is "
        "defined, and shared by every call: a layer that stores it (and code that "
        "appends to it) changes the default of every later instance, and the "
        "config of one layer can change under another. Use a tuple, or `None` and "
        "create the list in the body. The harm needs code that mutates the list, "
        "which a reading of one class cannot see, and most such lists are only "
        "stored and read (every one in keras-hub 0.32.0), so it is off by default: "
        "`--select KS501` (or `--select ALL`) turns it on.",
        "use a tuple default, stored as a tuple and saved as a list (see "
        "`keras-scaffold new orchestration`)",
        _HEAD + """class Stack(keras.layers.Layer):
    def __init__(self, sizes=[8, 4], **kwargs):
        super().__init__(**kwargs)
        self.sizes = tuple(sizes)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "sizes": list(self.sizes)}
""",
        _HEAD + """class Stack(keras.layers.Layer):
    def __init__(self, sizes=(8, 4), **kwargs):
        super().__init__(**kwargs)
        self.sizes = tuple(sizes)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "sizes": list(self.sizes)}
""",
        default=False,
    ),
    Rule(
        "KS601",
        "sequence layer that drops masks",
        "A layer that does not set `supports_masking`, defines no `compute_mask` "
        "and whose `call()` takes no `mask` (or `..._mask`) argument destroys the "
        "mask of its input: Keras warns, and every layer after it treats padding "
        "as data. Reported only where the source shows a sequence layer that masks "
        "matter to: one that uses a recurrent layer with `return_sequences=True` or "
        "an `Embedding` with `mask_zero`. Attention alone is not enough (vision "
        "transformers never see masks), and position-wise layers cannot be told "
        "from the source. A recurrent layer only ever called on a tensor that "
        "`call` stacks itself (`keras.ops.stack`, `expand_dims`: k3-node's "
        "`JumpingKnowledge` runs an LSTM over the depth axis of its inputs' "
        "stacked representations) sees no Keras mask, and does not count.",
        "take `mask=None` in `call()` and pass it on, and set "
        "`self.supports_masking = True` (see `keras-scaffold new transformer`)",
        _HEAD + """class Encoder(keras.layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.rnn = keras.layers.GRU(
            units, return_sequences=True, dtype=self.dtype_policy
        )

    def build(self, input_shape):
        if not self.rnn.built:
            self.rnn.build(input_shape)

    def call(self, inputs):
        return self.rnn(inputs)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
""",
        _HEAD + """class Encoder(keras.layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True
        self.rnn = keras.layers.GRU(
            units, return_sequences=True, dtype=self.dtype_policy
        )

    def build(self, input_shape):
        if not self.rnn.built:
            self.rnn.build(input_shape)

    def call(self, inputs, mask=None):
        return self.rnn(inputs, mask=mask)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
""",
    ),
]

RULES.sort(key=lambda rule: rule.id)


def _run_rule(rule_id: str, title: str, explanation: str, hint: str) -> Rule:
    """A rule `check --run` reports when a shared check fails; its examples are
    the ones of the static rule that catches the same fault where it can."""
    return Rule(rule_id, title, explanation, hint, "", "")


_RUNS = (
    "`check --run` renders, for each class, the test file `keras-scaffold adopt` "
    "writes (the shared checks of keras_scaffold_checks.py) and runs it with "
    "pytest; "
)

# What `check --run` reports: one rule per kind of shared check that failed.
RUN_RULES = [
    _run_rule(
        "KS900",
        "the checks cannot run",
        _RUNS + "a class it cannot construct or call is reported once: a required "
        "`__init__` argument whose type hint is not int, float or bool (give its "
        "value), a module that does not import, or a layer that fails on a "
        "sample batch of `--input-shape` (default 2,8); then the finding is at "
        "the line of the class's code the error went through, quotes the error "
        "(the one Keras wraps), and says where it was raised when that is inside "
        "a backend or XLA.",
        "pass `--init 'Class={\"arg\": value}'` (or a "
        "`[tool.keras-scaffold.check.init]` table in pyproject.toml) and "
        "`--input-shape`",
    ),
    _run_rule(
        "KS901",
        "the config does not round-trip",
        _RUNS + "`get_config()` must hold every `__init__` argument with the value "
        "given (one given a non-default value must not hold what the default "
        "gives), be JSON-serializable, and `from_config(get_config())` must give a "
        "layer with the same config that computes the same outputs.",
        "return every argument from `get_config` and rebuild objects in "
        "`from_config` (KS104, KS105, KS106 read the source for the same faults)",
    ),
    _run_rule(
        "KS902",
        "saving and loading change the outputs",
        _RUNS + "a model holding the layer, saved with `model.save` and loaded "
        "with `keras.models.load_model`, must give identical outputs; so must a "
        "weights file; and the class must be registered under a package.",
        "register the class with a package and build every weight in `build()` "
        "(see KS101, KS102, KS205)",
    ),
    _run_rule(
        "KS903",
        "`build()` or the output shape disagree with a call",
        _RUNS + "`build(input_shape)` alone must create every weight a call "
        "creates, and the output shape and dtype must agree between eager and "
        "symbolic calls and `compute_output_shape`.",
        "create weights and build sub-layers in `build()` (see `keras-scaffold "
        "new composite`)",
    ),
    _run_rule(
        "KS904",
        "the dtype policy is not followed",
        _RUNS + "under `mixed_float16` and `mixed_bfloat16` the layer must compute "
        "in half precision with float32 weights, and every sub-layer must follow "
        "the layer's policy; state kept in float32 has to be cast before it meets "
        "half-precision activations.",
        "pass `dtype=self.dtype_policy` to sub-layers and cast state with "
        "`keras.ops.cast(..., self.compute_dtype)` (see `keras-scaffold new "
        "stateful`)",
    ),
    _run_rule(
        "KS905",
        "masked padding changes the results",
        _RUNS + "for a layer that supports masks, padding a masked sequence must "
        "not change the outputs at the real steps, nor a masked average of them.",
        "set `supports_masking` only where the layer keeps masks, and use the "
        "`mask` in `call` (see KS601)",
    ),
    _run_rule(
        "KS906",
        "training does not work as it should",
        _RUNS + "one compiled `fit` step must give a finite loss and move every "
        "trainable weight (a weight that does not move got no gradient), and "
        "inference must be repeatable: `training=False` twice gives the same "
        "outputs.",
        "use every weight in `call`, and change state only when `training` is "
        "true (see `keras-scaffold new stateful`)",
    ),
    _run_rule(
        "KS907",
        "compiled `predict` differs from an eager call",
        _RUNS + "`predict` compiled with XLA (TensorFlow, JAX) or `torch.compile` "
        "(PyTorch, with KERAS_SCAFFOLD_TORCH_COMPILE=1) must match an eager call "
        "for any batch size.",
        "use `keras.ops` and shapes from `keras.ops.shape` in `call` (see KS301)",
    ),
    _run_rule(
        "KS909",
        "the quantized model does not reload",
        _RUNS + 'the model holding the layer, quantized with `model.quantize("int8")`'
        ", saved and loaded, must reload with the same int8 weights and give the "
        "same outputs, in a functional model and in a `keras.Sequential`. A layer "
        "that creates quantizable sub-layers (`Dense`, "
        "`EinsumDense`, `Embedding`) from its own float policy re-creates them "
        "unquantized on loading. Apart from KS902, so that `--ignore KS909` leaves "
        "the plain save and load checked.",
        "save each quantized sub-layer's dtype policy in `get_config`: as `dtype`, a "
        "`keras.dtype_policies.DTypePolicyMap` of the layer's policy and each "
        "quantized sub-layer's, keyed by its path below the layer so that it is "
        "found under any outer model, with sub-layers given fixed names (see "
        "`dtype_policy_config` in the keras_scaffold_support.py `keras-scaffold "
        "new` writes)",
    ),
    _run_rule(
        "KS910",
        "one error breaks several checks",
        _RUNS + "an error raised in the class's own code that several checks "
        "run into (the same error, through the same line) is one finding, at "
        "that line, naming the checks it broke (a Python `if` on a tensor fails "
        "every check that traces the layer). An error raised inside a backend "
        "(JAX, TensorFlow, PyTorch) or XLA, below that line, is named as such.",
        "fix the line reported; the message quotes the error",
    ),
    _run_rule(
        "KS911",
        "the exported model does not serve the same outputs",
        _RUNS + "the model holding the layer, and its twin reloaded from its "
        "`.keras` file, exported with `model.export` to `tf_saved_model`, `onnx` "
        "and `litert` and served by each format's runtime, must give the outputs "
        "of `predict` within 1e-4. Each format is skipped, with the reason, where "
        "its packages (the `export` extra) are missing, where Keras does not "
        "export it from the backend, or where the layer or a sub-layer holds an "
        "activation known not to export (the exact `gelu` to ONNX).",
        "keep `call` free of Python state that tracing freezes (counters, "
        "values read from tensors) and of operations the format lacks; the "
        "message quotes the converter's or the runtime's error",
    ),
    _run_rule(
        "KS908",
        "another shared check failed",
        _RUNS + "a check not in KS900-KS907 failed; its name says which.",
        "read the check in keras_scaffold_checks.py",
    ),
]

RUN_RULES.sort(key=lambda rule: rule.id)

BY_ID = {rule.id: rule for rule in [*RULES, *RUN_RULES]}

#: The rules `check` runs when --select is not given.
DEFAULT = {rule.id for rule in BY_ID.values() if rule.default}
