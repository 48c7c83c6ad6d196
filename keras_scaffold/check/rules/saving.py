"""KS101, KS102: registration, which `load_model` finds a class by."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module, dotted, is_test_file
from keras_scaffold.check.rules.common import Hit, is_abstract, keyword_arg

# Packages whose classes Keras's loader imports by module path, registered or not
# (`_retrieve_class_or_fn` in keras/src/saving/serialization_lib.py).
LOADED_BY_MODULE_PATH = {"keras", "keras_hub", "keras_cv", "keras_nlp"}


def registration(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.name.startswith("_") or cls.subclassed or cls.local:
        return  # a private, base or local class is not saved under its own name
    if module.name.split(".")[0] in LOADED_BY_MODULE_PATH:
        return  # Keras's loader imports it from its module
    if is_test_file(module.path) or is_abstract(cls):
        return  # a test's fixture or a base to derive from: never saved as itself
    for decorator in cls.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = module.qualname(target) or ".".join(dotted(target) or [])
        if not name.endswith("register_keras_serializable"):
            if any(word in name.lower() for word in ("export", "register")):
                return  # a library's own decorator, which may register the class
            continue
        if isinstance(decorator, ast.Call) and (
            decorator.args or keyword_arg(decorator, "package")
        ):
            return
        yield Hit(
            decorator,
            "KS102",
            f"`{cls.name}` is registered without a `package`: it is saved as "
            f"`Custom>{cls.name}` and collides with any other `{cls.name}`",
            cls.node,
        )
        return
    yield Hit(
        cls.node,
        "KS101",
        f"`{cls.name}` is not registered with "
        "`@keras.saving.register_keras_serializable(package=...)`: "
        "`keras.models.load_model` cannot find it",
        cls.node,
    )
