"""The static rules: each reads a parsed module and yields `Hit`s.

A `Hit` is the node to point at, the rule ID, the message, and the class it concerns
(whose `class` line may carry a suppression comment). The rules are written against
Keras 3 semantics, and lean towards silence where the source alone cannot tell. One
module per group of rules (see `catalog.GROUPS`).
"""

from collections.abc import Callable, Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.arguments import arguments
from keras_scaffold.check.rules.backends import backends
from keras_scaffold.check.rules.common import Hit
from keras_scaffold.check.rules.config import config
from keras_scaffold.check.rules.construction import super_init
from keras_scaffold.check.rules.legacy import keras2_class, keras2_module
from keras_scaffold.check.rules.masks import masking
from keras_scaffold.check.rules.saving import registration
from keras_scaffold.check.rules.state import state

#: Rules run once per Keras class.
CLASS_RULES: list[Callable[[Module, KerasClass], Iterator[Hit]]] = [
    registration,
    super_init,
    config,
    state,
    backends,
    keras2_class,
    arguments,
    masking,
]

#: Rules run once per module.
MODULE_RULES: list[Callable[[Module], Iterator[Hit]]] = [keras2_module]

__all__ = ["CLASS_RULES", "MODULE_RULES", "Hit"]
