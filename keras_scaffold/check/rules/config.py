"""KS103-KS107: `get_config`, `__init__` and `from_config` agreeing.

Loading a layer calls `from_config(get_config())`, which is `__init__(**config)`.
Each rule reads one way that call goes wrong: an object Keras cannot save (KS103),
an argument the config lacks (KS104), the base keys lost (KS105), a nested layer
handed back as a dict (KS106), a key `__init__` does not take (KS107). Methods are
read where they are defined, in this file or a parent's; a finding about inherited
code is reported where that code is, once.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from keras_scaffold.check.finder import KerasClass, Module, is_test_file
from keras_scaffold.check.rules.common import (
    Hit,
    calls_in,
    calls_parent,
    created_at_init,
    fold_super,
    holds_no_weights,
    is_abstract,
    is_super_call,
    named_params,
    self_attr,
)
from keras_scaffold.check.rules.construction import skipped_at

_DESERIALIZERS = {"deserialize", "deserialize_keras_object", "from_config"}
_SERIALIZERS = ("layers.serialize", "serialize_keras_object")

# What `keras.layers.Layer.get_config` adds, and what `Layer.__init__` takes.
BASE_KEYS = ("name", "trainable", "dtype")
BASE_ARGUMENTS = {
    "name", "trainable", "dtype", "autocast", "activity_regularizer", "input_dim",
    "input_shape",
}  # fmt: skip

# Names a plain argument's annotation may use.
_PLAIN = {
    "int", "float", "str", "bool", "None", "Optional", "Union", "Literal", "tuple",
    "list", "dict", "Tuple", "List", "Dict", "Sequence", "typing", "Any",
}  # fmt: skip


def config(module: Module, cls: KerasClass) -> Iterator[Hit]:
    if cls.functional:
        return  # a functional model's config is its graph
    if is_test_file(module.path):
        return  # a test's fixture, saved only where the test says so
    init = cls.find_method("__init__")
    found = cls.find_method("get_config")
    if found is None:
        yield from _automatic_config(module, cls, init)
        return
    owner, get_config = found
    if owner is not cls and (init is None or init[0] is not cls):
        return  # both inherited: read where they are defined
    keys = ConfigKeys.along(cls)
    if owner is cls and not calls_parent(module, cls, get_config, "get_config"):
        lost = [key for key in BASE_KEYS if key not in keys.keys]
        if "trainable" in lost and holds_no_weights(cls):
            lost.remove("trainable")  # freezing a layer without weights: no change
        if init is not None and init[1].args.kwarg is None:
            # A key `__init__` does not take cannot be restored (KS107 if written).
            taken = {arg.arg for arg in named_params(init[1])}
            lost = [key for key in lost if key in taken]
        if lost:
            yield Hit(
                get_config,
                "KS105",
                f"`{cls.name}.get_config` does not merge `super().get_config()` "
                f"and lacks {_names(lost)}: a loaded layer "
                + _and(_LOST_KEY[key] for key in lost),
                cls.node,
            )
    yield from _missing_arguments(module, cls, init, keys)
    yield from _refused_keys(module, cls, keys)
    if owner is cls:
        params = named_params(init[1]) if init else []
        yield from _nested_config(module, cls, get_config, params)


def _names(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


# What a loaded layer whose config lacks each base key gets instead.
_LOST_KEY = {
    "name": "gets a new name",
    "trainable": "is trainable again",
    "dtype": "computes in the default dtype policy",
}


def _and(parts) -> str:
    parts = list(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


# -- The keys a `get_config` writes. --------------------------------------------


@dataclass
class ConfigKeys:
    """The top-level keys a `get_config` writes (each with where, if here), and
    whether they are all known; `base` if it merges Keras's own config."""

    keys: dict[str, ast.AST | None] = field(default_factory=dict)
    complete: bool = True
    base: bool = False
    opaque: bool = False  # it merges a Keras layer's own config, not read here

    @classmethod
    def along(cls, layer: KerasClass) -> "ConfigKeys":
        """The keys of `layer.get_config()`, through the `super()` chain (or
        Keras's automatic config's base keys, where no class here has one)."""
        found = fold_super(layer, "get_config", "config_keys", _own_config, _join)
        if found is None:
            return cls(dict.fromkeys(BASE_KEYS), base=True)
        return found


def _join(mine: ConfigKeys, parents: ConfigKeys | None) -> ConfigKeys:
    """A `get_config`'s keys with those of the parent's it merges."""
    if parents is None:
        return mine
    return ConfigKeys(
        {**parents.keys, **mine.keys},
        mine.complete and parents.complete,
        parents.base,
        parents.opaque,
    )


def _own_config(owner: KerasClass, function: ast.FunctionDef) -> ConfigKeys:
    """The keys `owner`'s own `get_config` writes (kept: KS107 reads them too)."""
    if "own_config" not in owner.memo:
        owner.memo["own_config"] = _read_config(owner, function)
    return owner.memo["own_config"]


def _read_config(owner: KerasClass, function: ast.FunctionDef) -> ConfigKeys:
    reader = ConfigKeys()
    dicts: set[str] = set()  # local names bound to the config being built

    def is_dict(value: ast.AST) -> bool:
        return (
            isinstance(value, ast.Dict)
            or is_super_call(value, "get_config")
            or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "dict"
            )
            or (isinstance(value, ast.Name) and value.id in dicts)
            or (
                isinstance(value, ast.BinOp)
                and isinstance(value.op, ast.BitOr)
                and is_dict(value.left)
                and is_dict(value.right)
            )
        )

    def key(node: ast.AST | None, where: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            reader.keys.setdefault(node.value, where)
        else:
            reader.complete = False

    def written(value: ast.AST) -> None:
        """The keys of a dict expression that becomes the config."""
        if isinstance(value, ast.Dict):
            for item, item_value in zip(value.keys, value.values, strict=True):
                if item is None:
                    written(item_value) if is_dict(item_value) else unknown()
                else:
                    key(item, item)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            for keyword in value.keywords:
                if keyword.arg is None:
                    unknown()
                else:
                    reader.keys.setdefault(keyword.arg, keyword)
            if value.args:
                unknown()
        elif isinstance(value, ast.BinOp):
            written(value.left)
            written(value.right)
        elif not is_dict(value):
            unknown()

    def unknown() -> None:
        reader.complete = False

    for node in owner.module.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and is_dict(node.value):
                    dicts.add(target.id)
                    written(node.value)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in dicts
                ):
                    key(target.slice, target)
        elif isinstance(node, ast.Return):
            if node.value is None or not is_dict(node.value):
                unknown()  # a dict built elsewhere
            else:
                written(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            on_config = (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in dicts
            )
            if on_config and func.attr == "update":
                for arg in node.args:
                    written(arg) if is_dict(arg) else unknown()
                for keyword in node.keywords:
                    if keyword.arg is None:
                        unknown()
                    else:
                        reader.keys.setdefault(keyword.arg, keyword)
            elif on_config and func.attr == "setdefault" and node.args:
                key(node.args[0], node)
            elif isinstance(func, ast.Name) and func.id in {"vars", "locals"}:
                unknown()
        elif isinstance(node, ast.DictComp):
            unknown()
    # Merging the parent's config where no class here defines one: Keras's.
    if owner.parent_method("get_config") is None and calls_parent(
        owner.module, owner, function, "get_config"
    ):
        reader.opaque = owner.kind == "builtin"
        reader.base = not reader.opaque
        for key in BASE_KEYS if reader.base else ():
            reader.keys.setdefault(key, None)
    return reader


# -- KS103: no `get_config`, and objects Keras cannot save automatically. ----------


def _automatic_config(
    module: Module, cls: KerasClass, init: tuple[KerasClass, ast.FunctionDef] | None
) -> Iterator[Hit]:
    """Keras's automatic config: the `__init__` arguments, when all are plain."""
    if init is None or init[0] is not cls or cls.kind == "builtin":
        return  # a Keras layer's subclass has that layer's `get_config`
    if skipped_at(cls) is not None:
        return  # `get_config` raises RuntimeError first (KS108)
    if cls.kind == "model":
        yield from _model_config(cls, init[1])
        return
    params, forwarded = init_arguments(cls)
    own = [item for item in params if item.arg not in forwarded]
    objects = _object_arguments(module, cls, own)
    defaults = dict(_defaults(init[1]))
    # Keras's automatic config holds the arguments as given: a plain default
    # (`activation="relu"`, read with `keras.activations.get`) saves.
    read_only = _read_with_get(module, cls, own)
    always = [
        name
        for name in objects
        if not _is_literal_default(defaults, name) and name not in read_only
    ]
    if always:
        yield Hit(
            init[1],
            "KS103",
            f"`{cls.name}` has no `get_config`, and `__init__` takes objects "
            f"({_names(always)}): Keras's automatic config holds only plain "
            "str, int, float, bool and None values, so `model.save` raises "
            "NotImplementedError",
            cls.node,
        )
    elif objects:
        yield Hit(
            init[1],
            "KS103",
            f"`{cls.name}` has no `get_config`, and `__init__` takes objects as "
            f"well as plain values ({_names(objects)}): Keras's automatic config "
            "holds only plain str, int, float, bool and None values, so "
            "`model.save` raises NotImplementedError once one is given an object "
            "(with its plain default it saves)",
            cls.node,
        )
    accepted = accepted_arguments(cls)
    # Keras's automatic config keeps `name` only where `__init__` takes it or
    # has a `**kwargs` named so (`Operation.get_config`); `Layer.get_config`
    # adds `trainable` and `dtype`.
    kwarg = init[1].args.kwarg
    kept = ("name",) if kwarg is not None and kwarg.arg == "kwargs" else ()
    refused = [
        key
        for key in (*kept, "trainable", "dtype")
        if accepted is not None and key not in accepted
    ]
    if refused and not objects and not _objects_handed_up(cls):
        yield Hit(
            init[1],
            "KS107",
            f"Keras's automatic config of `{cls.name}` holds {_names(refused)}, "
            f"{_who_refuses(cls)}: `load_model` raises TypeError (an unexpected "
            "keyword argument)",
            cls.node,
        )


def refuser(cls: KerasClass) -> KerasClass | None:
    """The class whose `__init__` has no `**kwargs` that `cls(**config)`'s
    keywords reach (through `**kwargs` handed to parents), or None where they
    reach Keras's own `Layer.__init__` (or cannot be followed)."""
    found = cls.find_method("__init__")
    while found is not None:
        owner, init = found
        kwargs = init.args.kwarg
        if kwargs is None:
            return owner
        if not _hands_kwargs_to_parent(owner, init, kwargs.arg):
            return None
        found = owner.parent_method("__init__")
    return None


def _who_refuses(cls: KerasClass) -> str:
    """Which `__init__` does not take the keys, as a clause."""
    closed = refuser(cls)
    if closed is None or closed is cls:
        return f"which `{cls.name}.__init__` does not take (it has no `**kwargs`)"
    return (
        f"which `{cls.name}.__init__` hands through `**kwargs` to "
        f"`{closed.name}.__init__`, which does not take them (it has no `**kwargs`)"
    )


def _objects_handed_up(cls: KerasClass) -> bool:
    """`__init__` hands an argument to a parent's `__init__` that takes objects
    there (keras-cv's `SimCLRTrainer(encoder=...)`): Keras makes no automatic
    config of objects, so `get_config` raises before any key matters (the
    parent's KS103 says so)."""
    found = cls.find_method("__init__")
    parent = cls.parent_method("__init__")
    if found is None or parent is None or parent[0].kind == "builtin":
        return False
    owner, init = found
    handed = {
        keyword.arg
        for call in calls_in(owner.module, init)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
        for keyword in call.keywords
        if keyword.arg is not None
    }
    if not handed:
        return False
    parent_owner, parent_init = parent
    params = [a for a in named_params(parent_init) if a.arg in handed]
    return bool(_object_arguments(parent_owner.module, parent_owner, params))


def _model_config(cls: KerasClass, init: ast.FunctionDef) -> Iterator[Hit]:
    """A `keras.Model` subclass without `get_config`: `Model.__new__` hands
    Keras's automatic config no arguments, so it is made from `__init__`'s
    defaults alone (Keras 3.15.1): with a required argument there is none and
    `get_config` raises NotImplementedError (so does `model.save`); else a loaded
    model gets the defaults, not the values given."""
    defaults = dict(_defaults(init))
    required = [a.arg for a in named_params(init) if a.arg not in defaults]
    if required:
        yield Hit(
            init,
            "KS103",
            f"`{cls.name}` is a `keras.Model` subclass without `get_config`, and "
            f"`__init__` requires {_names(required)}: Keras makes a Model's "
            "automatic config from `__init__`'s defaults alone, so `get_config` "
            "and `model.save` raise NotImplementedError",
            cls.node,
        )
        return
    accepted = accepted_arguments(cls)
    refused = [
        key
        for key in ("trainable", "dtype")
        if accepted is not None and key not in accepted
    ]
    if refused:
        what = (
            f"and `load_model` raises TypeError: the config also holds "
            f"{_names(refused)}, {_who_refuses(cls)}"
        )
    else:
        what = "so a loaded model is built with the defaults, not the values given"
    if named_params(init):
        yield Hit(
            init,
            "KS103",
            f"`{cls.name}` is a `keras.Model` subclass without `get_config`: Keras "
            "makes a Model's automatic config from `__init__`'s defaults alone, "
            f"{what}",
            cls.node,
        )


def init_arguments(cls: KerasClass) -> tuple[list[ast.arg], set[str]]:
    """`__init__`'s named arguments and those of them passed on to the parent."""
    found = cls.find_method("__init__")
    if found is None:
        return [], set()
    owner, init = found
    forwarded: set[str] = set()
    for call in calls_in(owner.module, init):
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            continue
        values = [*call.args, *(item.value for item in call.keywords)]
        forwarded |= {value.id for value in values if isinstance(value, ast.Name)}
    return named_params(init), forwarded


def _object_arguments(
    module: Module, cls: KerasClass, arguments: list[ast.arg]
) -> list[str]:
    """The arguments the source shows take objects, not plain values: annotated
    with a class, defaulting to an object, read with `keras.*.get`, or stored and
    then called or built as a layer."""
    init = cls.methods["__init__"]
    found = []
    defaults = dict(_defaults(init))
    names = {a.arg for a in arguments}
    for argument in arguments:
        annotation = {
            node.id if isinstance(node, ast.Name) else node.attr
            for node in ast.walk(argument.annotation or ast.Constant(None))
            if isinstance(node, ast.Name | ast.Attribute)
        }
        default = defaults.get(argument.arg)
        if annotation - _PLAIN or (default is not None and not _is_literal(default)):
            found.append(argument.arg)
    found += _read_with_get(module, cls, arguments)
    found += _used_as_layers(module, cls, names)
    return sorted(set(found), key=[a.arg for a in arguments].index)


def _read_with_get(module: Module, cls: KerasClass, arguments: list) -> list[str]:
    """Arguments read with `keras.*.get` or `keras.*.deserialize`: a name
    (`"relu"`) or an object, either of which the call takes."""
    names = {a.arg for a in arguments}
    found = []
    for call in calls_in(module, cls.methods["__init__"]):
        name = module.qualname(call.func) or ""
        if name.startswith("keras.") and name.endswith((".get", ".deserialize")):
            found += [
                a.id for a in call.args if isinstance(a, ast.Name) and a.id in names
            ]
    return found


def _used_as_layers(module: Module, cls: KerasClass, names: set[str]) -> list[str]:
    """Arguments stored as `self.x = argument`, then called (`self.x(...)`) or
    built (`self.x.build(...)`) in the class."""
    stored = _stored_arguments(module, cls.methods["__init__"], names)
    used = set()
    for node in module.walk(cls.node):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if self_attr(func) in stored:
            used.add(stored[self_attr(func)])
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in {"build", "compute_output_shape"}
            and self_attr(func.value) in stored
        ):
            used.add(stored[self_attr(func.value)])
    return sorted(used)


def _stored_arguments(
    module: Module, init: ast.FunctionDef, names: set[str]
) -> dict[str, str]:
    """`self.attr = argument` in `__init__`: the attribute, with the argument."""
    stored = {}
    for node in module.walk(init):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id in names
        ):
            for target in node.targets:
                if self_attr(target):
                    stored[self_attr(target)] = node.value.id
    return stored


def _defaults(function: ast.FunctionDef) -> list[tuple[str, ast.expr]]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    pairs = zip(
        positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
    )
    keyword_only = zip(args.kwonlyargs, args.kw_defaults, strict=True)
    return [(a.arg, d) for a, d in [*pairs, *keyword_only] if d is not None]


def _is_literal_default(defaults: dict, name: str) -> bool:
    return name in defaults and _is_literal(defaults[name])


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


# -- KS104: an `__init__` argument the config lacks. ---------------------------------


def _missing_arguments(
    module: Module,
    cls: KerasClass,
    init: tuple[KerasClass, ast.FunctionDef] | None,
    keys: ConfigKeys,
) -> Iterator[Hit]:
    if init is None or not keys.complete:
        return
    if cls.find_method("load_assets") is not None:
        return  # it restores part of its state from saved assets, not the config
    if is_abstract(cls) and all("__init__" in c.methods for c in cls.children):
        return  # a base never built itself; each subclass is checked on its own
    params, forwarded = init_arguments(cls)
    # Not one set: along a deep chain, the keys are the chain's length.
    supplied = _from_config_strings(cls) | _folded(init, keys)
    defaults = dict(_defaults(init[1]))
    refused = [] if cls.find_method("from_config") else refused_keys(cls, keys) or []
    for item in params:
        name = item.arg
        if name in keys.keys or name in supplied:
            continue
        if name in BASE_ARGUMENTS or name == "weights":
            continue  # `weights`: initial weights, which loading replaces
        if _settled_by_subclasses(cls, name):
            continue
        if name in forwarded and keys.opaque:
            continue  # a Keras layer's own config, not read here, may hold it
        if name in defaults and refused:
            default = ast.unparse(defaults[name])
            what = (
                f"the layer does not load at all (its config also holds "
                f"{_names(refused)}, which `__init__` does not take: KS107); once "
                f"it does, a loaded layer gets the default `{name}={default}`"
            )
        elif name in defaults:
            default = ast.unparse(defaults[name])
            what = f"a loaded layer gets the default `{name}={default}` instead"
        else:
            what = "`load_model` raises TypeError (a missing argument)"
        yield Hit(
            item if init[0] is cls else cls.node,
            "KS104",
            f"`{name}` is an argument of `{cls.name}.__init__` but not a key of "
            f"`get_config()`: {what}",
            cls.node,
        )


def _settled_by_subclasses(cls: KerasClass, name: str) -> bool:
    """Every subclass either takes the argument itself (and is checked for it)
    or fixes it in its `super().__init__` call: `rank` in Keras's `BaseConv`."""
    if not cls.children:
        return False
    for child in cls.children:
        init = child.methods.get("__init__")
        if init is None:
            return False
        if name in {a.arg for a in named_params(init)}:
            continue
        fixed = any(
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "__init__"
            and (call.args or any(k.arg == name for k in call.keywords))
            for call in calls_in(child.module, init)
        )
        if not fixed:
            return False
    return True


def _folded(init: tuple[KerasClass, ast.FunctionDef], keys: ConfigKeys) -> set[str]:
    """Arguments `__init__` folds into another argument the config holds:
    `batch_shape = (batch_size,) + shape`."""
    owner, function = init
    params = {a.arg for a in named_params(function)}
    folded = set()
    for node in owner.module.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Name)
                    and target.id in params
                    and target.id in keys.keys
                ):
                    folded |= {
                        n.id
                        for n in ast.walk(node.value)
                        if isinstance(n, ast.Name) and n.id in params
                    } - {target.id}
    return folded


def _from_config_strings(cls: KerasClass) -> set[str]:
    """The strings a `from_config` reads: keys it may supply itself."""
    found = cls.find_method("from_config")
    if found is None:
        return set()
    return {
        node.value
        for node in found[0].module.walk(found[1])
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


# -- KS107: a key `__init__` does not take. -------------------------------------------


class Accepted:
    """The keyword arguments `cls(**config)` takes: its `__init__`'s names, then
    (where `**kwargs` goes to the parent's `__init__`) the parent's. Linked to the
    parent's, not copied: along a chain thousands deep, copies cost its square."""

    __slots__ = ("names", "parent")

    def __init__(self, names: set[str], parent: "Accepted | None" = None) -> None:
        self.names, self.parent = names, parent

    def __contains__(self, key: str) -> bool:
        accepted = self
        while accepted is not None:
            if key in accepted.names:
                return True
            accepted = accepted.parent
        return False

    def as_set(self) -> set[str]:
        found, accepted = set(), self
        while accepted is not None:
            found |= accepted.names
            accepted = accepted.parent
        return found


def accepted_arguments(cls: KerasClass) -> Accepted | None:
    """The keyword arguments `cls(**config)` accepts, through `**kwargs` handed
    to the parent's `__init__`; None where that cannot be told. Kept per class
    that defines an `__init__`, filled in without recursion."""
    chain: list[tuple[KerasClass, set[str], str]] = []  # (owner, names, how)
    found = cls.find_method("__init__")
    result: Accepted | None = None
    while True:
        if found is None:  # Keras's own `__init__`, or a Keras layer's
            end = chain[-1][0] if chain else cls
            result = None if end.kind == "builtin" else Accepted(BASE_ARGUMENTS)
            break
        owner, init = found
        if "accepted" in owner.memo:
            result = owner.memo["accepted"]
            break
        names = {a.arg for a in named_params(init)}
        kwargs = init.args.kwarg
        if kwargs is None:
            chain.append((owner, names, "closed"))
        elif _hands_kwargs_to_parent(owner, init, kwargs.arg):
            chain.append((owner, names, "parent"))
            found = owner.parent_method("__init__")
            continue
        else:
            chain.append((owner, names, "open"))  # `**kwargs` read some other way
        result = None
        break
    for owner, names, how in reversed(chain):
        if how == "closed":
            result = Accepted(names)
        elif how == "open":
            result = None
        elif result is not None:
            result = Accepted(names, result)
        owner.memo["accepted"] = result
    return result


def refused_keys(cls: KerasClass, keys: ConfigKeys) -> list[str] | None:
    """The keys of `cls`'s config (`keys`) that `cls(**config)` does not take, in
    their order; None where that cannot be told. Where the class's `get_config`
    and `__init__` both extend those of one parent, only its own keys are new."""
    accepted = accepted_arguments(cls)
    if accepted is None:
        return None
    if "refused" in cls.memo:
        return cls.memo["refused"]
    init, get_config = cls.methods.get("__init__"), cls.methods.get("get_config")
    parent = cls.parent_method("get_config")
    config_parent = cls.parent_method("__init__")
    parents_keys = parent and parent[0].memo.get(("config_keys", "get_config"))
    if (
        init is not None
        and get_config is not None
        and parent is not None
        and config_parent is not None
        and parent[0] is config_parent[0]
        and accepted.parent is not None
        and accepted.parent is config_parent[0].memo.get("accepted")
        and "refused" in parent[0].memo
        and isinstance(parents_keys, ConfigKeys)
        and calls_parent(cls.module, cls, get_config, "get_config")
    ):
        own = _own_config(cls, get_config).keys
        refused = [
            key for key in parent[0].memo["refused"] if key not in accepted.names
        ]
        refused += [
            key for key in own if key not in parents_keys.keys and key not in accepted
        ]
    else:
        names = accepted.as_set()
        refused = [key for key in keys.keys if key not in names]
    cls.memo["refused"] = refused
    return refused


def _hands_kwargs_to_parent(
    owner: KerasClass, init: ast.FunctionDef, kwargs: str
) -> bool:
    """`**kwargs` is used only to call the parent's `__init__` (`kwargs.pop` of
    names it reads first is fine)."""
    uses = [
        node
        for node in owner.module.walk(init)
        if isinstance(node, ast.Name) and node.id == kwargs
    ]
    handed = [
        keyword.value
        for call in calls_in(owner.module, init)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
        for keyword in call.keywords
        if keyword.arg is None
        and isinstance(keyword.value, ast.Name)
        and keyword.value.id == kwargs
    ]
    return bool(handed) and len(uses) == len(handed)


def _refused_keys(module: Module, cls: KerasClass, keys: ConfigKeys) -> Iterator[Hit]:
    if cls.find_method("from_config") is not None:
        return  # it may take keys out before calling `__init__`
    refused = refused_keys(cls, keys)
    if not refused:
        return
    own = cls.methods.get("get_config")
    written_here = {id(node) for node in module.walk(own)} if own else set()
    here = [key for key in refused if id(keys.keys[key]) in written_here]
    node = keys.keys[here[0]] if here else cls.methods.get("__init__", cls.node)
    base = [key for key in refused if key in BASE_KEYS]
    closed = refuser(cls)
    if base and len(base) == len(refused):
        what = f"Keras's own config adds {_names(base)}, {_who_refuses(cls)}"
    else:
        what = (
            f"`get_config()` writes {_names(refused)}, which "
            f"`{cls.name}.__init__` does not take"
        )
    if closed is None:
        how = (
            "`load_model` raises TypeError, wrapping the ValueError of Keras's "
            '`Layer.__init__`, which `**kwargs` hands them to ("Unrecognized '
            f'keyword arguments passed to {cls.name}")'
        )
    else:
        how = "`load_model` raises TypeError (an unexpected keyword argument)"
    yield Hit(node, "KS107", f"{what}: {how}", cls.node)


# -- KS106: a nested layer or object without `from_config`. --------------------------


def _rebuilds(cls: KerasClass) -> bool:
    """A `from_config` (or `__init__`) that deserializes what `get_config` nested."""
    for name in ("from_config", "__init__"):
        found = cls.find_method(name)
        if found is None:
            continue
        for call in calls_in(found[0].module, found[1]):
            func = call.func
            last = func.attr if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                last = func.id
            if last in _DESERIALIZERS and not is_super_call(call, "from_config"):
                return True
    return False


def _nested_config(
    module: Module, cls: KerasClass, get_config: ast.FunctionDef, params: list
) -> Iterator[Hit]:
    layer_attrs = {attr for made in created_at_init(cls) for attr in made.attrs}
    layer_params = {
        item.arg
        for item in params
        if item.annotation is not None
        and any(word in ast.unparse(item.annotation) for word in ("Layer", "Model"))
    }
    layer_attrs |= _attrs_from_params(cls, layer_params)
    nested: tuple[ast.AST, str] | None = None
    for node in module.walk(get_config):
        if isinstance(node, ast.Call):
            name = module.qualname(node.func) or ""
            if name.endswith(_SERIALIZERS) or (
                isinstance(node.func, ast.Name)
                and node.func.id == "serialize_keras_object"
            ):
                nested = (node, f"`{ast.unparse(node.func)}(...)`")
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_config"
                and not is_super_call(node, "get_config")
                and not any(
                    isinstance(arg, ast.Name) and arg.id == "self" for arg in node.args
                )
            ):
                nested = (node, f"`{ast.unparse(node)}` (an object's own config)")
        else:
            for value in _stored_values(node):
                if self_attr(value) in layer_attrs:
                    nested = (value, f"the layer `{ast.unparse(value)}`")
        if nested:
            break
    if nested and not _rebuilds(cls):
        node, what = nested
        yield Hit(
            node,
            "KS106",
            f"`{cls.name}.get_config` stores {what}, but no `from_config` rebuilds "
            "it: loading passes the nested config straight to `__init__`",
            cls.node,
        )


def _stored_values(node: ast.AST) -> list[ast.AST]:
    """The values a config stores: dict items, `config[key] = value`, keywords."""
    if isinstance(node, ast.Dict):
        return [value for key, value in zip(node.keys, node.values, strict=True) if key]
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        return [node.value]
    if isinstance(node, ast.keyword):
        return [node.value]
    return []


def _attrs_from_params(cls: KerasClass, names: set[str]) -> set[str]:
    found = cls.find_method("__init__")
    if found is None or not names:
        return set()
    return set(_stored_arguments(found[0].module, found[1], names))
