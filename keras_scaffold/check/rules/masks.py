"""KS6: masking, where the source shows a sequence layer."""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.common import (
    Construction,
    Hit,
    created_at_init,
    inherited,
    keyword_arg,
    named_params,
    reachable,
    self_attr,
)

_RECURRENT = {"LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D",
              "ConvLSTM3D"}  # fmt: skip


def masking(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.kind != "layer" or cls.find_method("compute_mask") is not None:
        return
    found = cls.find_method("call")
    if found is None:
        return
    names = [item.arg for item in named_params(found[1])]
    if any(name == "mask" or name.endswith("_mask") for name in names):
        return
    producer = _sequence_sublayer(module, cls)
    if producer is None:
        return
    if inherited(cls, "sets_supports_masking", _sets_supports_masking):
        return
    yield Hit(
        found[1] if found[0] is cls else cls.node,
        "KS601",
        f"`{cls.name}` is a sequence layer ({producer}) that drops masks: `call()` "
        "takes no `mask`, and it neither sets `supports_masking` nor defines "
        "`compute_mask`",
        cls.node,
    )


def _sets_supports_masking(cls: KerasClass) -> bool:
    for node in cls.module.walk(cls.node):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            name = target.id if isinstance(target, ast.Name) else self_attr(target)
            if name == "supports_masking":
                return True
    return False


def _sequence_sublayer(module: Module, cls: KerasClass) -> str | None:
    for made in created_at_init(cls):
        call, layer = made.call, made.layer
        if _axis_made_in_call(cls, made):
            continue
        sequences = keyword_arg(call, "return_sequences")
        if (
            layer in _RECURRENT
            and sequences is not None
            and isinstance(sequences.value, ast.Constant)
            and sequences.value.value is True
        ):
            return f"it uses `{layer}(return_sequences=True)`"
        mask_zero = keyword_arg(call, "mask_zero")
        if (
            layer == "Embedding"
            and mask_zero is not None
            and not (
                isinstance(mask_zero.value, ast.Constant)
                and mask_zero.value.value in (False, None)
            )
        ):
            return "its `Embedding` makes a mask"
    return None


# Calls that make a new axis of their own: what follows them on that axis is no
# sequence a Keras mask was made for.
_NEW_AXIS = {"stack", "expand_dims"}


def _axis_made_in_call(cls: KerasClass, made: Construction) -> bool:
    """The sub-layer is only ever called on a tensor `call` stacks itself
    (k3-node's `JumpingKnowledge`: an LSTM over the stacked outputs of its GNN
    layers): no Keras mask reaches it, whatever the layer's inputs carry."""
    holder = next(
        (
            attr
            for other in created_at_init(cls)
            if any(node is made.call for node in ast.walk(other.call))
            for attr in other.attrs
        ),
        None,
    )
    if holder is None:
        return False
    inputs = []
    for name in reachable(cls, ("call",)):
        found = cls.find_method(name)
        if found is None:
            continue
        owner, method = found
        values: dict[str, ast.AST] = {}
        for node in owner.module.walk(method):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        values[target.id] = node.value
            elif isinstance(node, ast.Call) and self_attr(node.func) == holder:
                if node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Name):
                        first = values.get(first.id, first)
                    inputs.append(first)
    return bool(inputs) and all(_makes_new_axis(value) for value in inputs)


def _makes_new_axis(value: ast.AST) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in _NEW_AXIS
