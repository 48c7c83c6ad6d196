"""KS101, KS102: registration, which `load_model` finds a class by."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import (
    KerasClass,
    Module,
    dotted,
    import_alternatives,
    is_test_file,
)
from keras_scaffold.check.rules.common import Hit, is_abstract, keyword_arg

# Packages whose classes Keras's loader imports by module path, registered or not
# (`_retrieve_class_or_fn` in keras/src/saving/serialization_lib.py).
LOADED_BY_MODULE_PATH = {"keras", "keras_hub", "keras_cv", "keras_nlp"}


def registration(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.name.startswith("_") or cls.subclassed or cls.local:
        return  # a private, base or local class is not saved under its own name
    if id(cls.node) in _bases_chosen_at_import(module):
        return  # a base of a class registered in its place (see below)
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


def _bases_chosen_at_import(module: Module) -> set[int]:
    """Classes that a class of the files checked derives from through a name
    imported in several branches (keras-rs's public `DistributedEmbedding`
    derives from the JAX, TensorFlow or portable one, chosen at import by
    `keras.backend.backend()`). They are bases: the public class is registered,
    and registering them too would take its name a second time."""
    index = module.index
    if index is None:
        return set()
    if "bases_chosen_at_import" not in index.memo:
        found: set[int] = set()
        for each in index.checked:
            alternatives = import_alternatives(each)
            if not alternatives:
                continue
            for node in each.class_defs:
                for base in node.bases:
                    parts = dotted(base)
                    for path in alternatives.get(parts[0] if parts else "", ()):
                        target = index.resolve(".".join([path, *parts[1:]]))
                        if isinstance(target, tuple):
                            found.add(id(target[1]))
        index.memo["bases_chosen_at_import"] = found
    return index.memo["bases_chosen_at_import"]
