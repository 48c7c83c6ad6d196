"""Deep class hierarchies, checked cheaply and right.

KS107 along chains of subclasses: each class's refused keys are read from its
parent's result where the parent's `get_config` and `__init__` are the ones it
extends (so a chain thousands deep costs no quadratic time). Hypothesis writes
random chains (arguments, `**kwargs` handed on or not, configs that merge the
parent's or not) and holds that result to the whole computation for every class.
And what `check` parsed is freed by reference counting, not left to the cycle
collector."""

from hypothesis import given, settings
from hypothesis import strategies as st

from keras_scaffold.check.checker import DEFAULT, _findings
from keras_scaffold.check.index import Index, parse
from keras_scaffold.check.rules.config import (
    ConfigKeys,
    accepted_arguments,
    refused_keys,
)

NAMES = ["a", "b", "c", "d", "name", "dtype"]

names = st.lists(st.sampled_from(NAMES), unique=True, max_size=4)
a_class = st.fixed_dictionaries(
    {
        "init": st.sampled_from(["none", "kwargs", "closed"]),
        "args": names,
        "config": st.sampled_from(["none", "merged", "own"]),
        "keys": names,
    }
)


def source(classes: list[dict]) -> str:
    lines = ["import keras", ""]
    for index, spec in enumerate(classes):
        base = f"Layer{index - 1}" if index else "keras.layers.Layer"
        lines += [f"class Layer{index}({base}):"]
        args = "".join(f", {name}=1" for name in spec["args"])
        if spec["init"] == "kwargs":
            lines += [
                f"    def __init__(self{args}, **kwargs):",
                "        super().__init__(**kwargs)",
            ]
        elif spec["init"] == "closed":
            lines += [f"    def __init__(self{args}):", "        super().__init__()"]
        keys = ", ".join(f'"{key}": 1' for key in spec["keys"])
        if spec["config"] == "merged":
            lines += [
                "    def get_config(self):",
                f"        return {{**super().get_config(), {keys}}}",
            ]
        elif spec["config"] == "own":
            lines += ["    def get_config(self):", f"        return {{{keys}}}"]
        lines += ["    def call(self, inputs):", "        return inputs", ""]
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(a_class, min_size=1, max_size=6))
def test_refused_keys_read_from_the_parent_are_the_whole_computation(classes):
    module = parse("chain.py", source(classes))
    index = Index()
    index.add(module)
    index.link()
    _findings(module, set(DEFAULT))  # fills each class's results, parents first
    for cls in module.classes:
        accepted = accepted_arguments(cls)
        if accepted is None or cls.find_method("get_config") is None:
            continue
        keys = ConfigKeys.along(cls)
        whole = [key for key in keys.keys if key not in accepted.as_set()]
        assert refused_keys(cls, keys) == whole, (cls.name, source(classes))


def test_a_check_frees_what_it_parsed_without_the_cycle_collector(monkeypatch):
    """`check` cuts the links between classes, modules and the index at the end,
    so that reference counting frees the parsed trees at once (the cycle
    collector, paused while `check` reads, would walk every node to find them)."""
    import gc
    import weakref
    from pathlib import Path

    from keras_scaffold.check import checker

    parsed = []
    read_module = checker.read_module

    def read_and_keep_a_weak_reference(path):
        module, error = read_module(path)
        if module is not None:
            parsed.append(weakref.ref(module))
        return module, error

    monkeypatch.setattr(checker, "read_module", read_and_keep_a_weak_reference)
    fixtures = Path(__file__).parent / "check_fixtures"
    gc.disable()  # no collection may free them: only reference counting
    try:
        report = checker.check_paths([fixtures])
        alive = [ref() for ref in parsed if ref() is not None]
    finally:
        gc.enable()
    assert report.classes > 40 and len(parsed) > 20
    assert alive == []
