"""The Keras facts keras-scaffold keeps as data (so generating never imports Keras)
still match the installed Keras."""

import inspect

import keras

from keras_scaffold.names import KERAS_CLASS_NAMES
from keras_scaffold.params import KNOWN_OBJECTS, RESERVED_NAMES


def test_every_keras_class_name_is_known():
    installed = {
        name
        for module in (keras, keras.layers, keras.models)
        for name in dir(module)
        if name[:1].isupper() and inspect.isclass(getattr(module, name))
    }
    assert installed <= KERAS_CLASS_NAMES, sorted(installed - KERAS_CLASS_NAMES)


def test_every_known_object_name_resolves_in_keras():
    resolvers = {
        "activation": keras.activations.get,
        "initializer": keras.initializers.get,
        "regularizer": keras.regularizers.get,
        "constraint": keras.constraints.get,
    }
    for type_, names in KNOWN_OBJECTS.items():
        for name in names:
            resolved = resolvers[type_](name)
            assert resolved is not None, (type_, name)
            if type_ == "activation":  # callable on a tensor alone, shape kept
                assert tuple(resolved(keras.ops.ones((2, 4))).shape) == (2, 4)


def test_base_layer_and_model_arguments_are_reserved():
    for cls in (keras.layers.Layer, keras.Model):
        arguments = set(inspect.signature(cls.__init__).parameters) - {"self", "args"}
        arguments.discard("kwargs")
        assert arguments <= RESERVED_NAMES, sorted(arguments - RESERVED_NAMES)
    for attribute in ("weights", "variables", "dtype_policy", "input_spec", "losses"):
        assert hasattr(keras.layers.Layer, attribute)
        assert attribute in RESERVED_NAMES


def test_base_attributes_cover_the_installed_keras():
    from keras_scaffold.reserved import KERAS_BASE_ATTRIBUTES

    installed = {
        name
        for owner in (
            keras.layers.Layer,
            keras.Model,
            keras.layers.Layer(),
            keras.Model(),
        )
        for name in (dir(owner) + list(getattr(owner, "__dict__", {})))
        if not name.startswith("_")
    }
    assert installed <= KERAS_BASE_ATTRIBUTES, sorted(installed - KERAS_BASE_ATTRIBUTES)


def test_dependency_modules_cover_what_keras_and_pytest_import():
    """Every top-level module of Keras's, pytest's and the installed backends'
    distributions (and what they require) is one a class may not be named after."""
    import re
    from importlib import metadata

    from keras_scaffold.reserved import DEPENDENCY_MODULES

    seen: set[str] = set()

    def visit(name: str) -> None:
        name = name.lower().replace("_", "-")
        if name in seen:
            return
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            return
        seen.add(name)
        for requirement in requires:
            if "extra ==" not in requirement:
                visit(re.split(r"[ ;<>=!~\[(]", requirement)[0])

    for root in ("keras", "pytest", "tensorflow", "jax", "torch"):
        visit(root)
    modules = set()
    for name in seen:
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            top = file.parts[0].removesuffix(".py")
            if (
                top.isidentifier()
                and not top.startswith("_")
                and (len(file.parts) > 1 or file.parts[0].endswith(".py"))
            ):
                modules.add(top)
    assert modules <= DEPENDENCY_MODULES, sorted(modules - DEPENDENCY_MODULES)
