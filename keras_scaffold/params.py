"""Typed layer arguments: `--param NAME:TYPE[:RANGE][=DEFAULT]` into answers data.

A parameter is plain data (a dict) so that it can live in a Copier answers file;
the templates' `_shared/params.jinja` turns it into code. The dict holds `name` and
`type`, then only what is set: `choices`, `min`, `max`, `min_exclusive`, `default`
(absent for a required argument).
"""

import keyword
import math
import re
import unicodedata

from keras_scaffold.errors import InvalidParamError
from keras_scaffold.reserved import (
    AMBIGUOUS_NAMES,
    BUILTIN_NAMES,
    GENERATED_NAMES,
    KERAS_BASE_ATTRIBUTES,
)

TYPES = (
    "int",
    "float",
    "bool",
    "str",
    "choice",
    "ints",
    "activation",
    "initializer",
    "regularizer",
    "constraint",
    "layer",
)
_NUMERIC_TYPES = ("int", "float", "ints")
_OBJECT_TYPES = ("activation", "initializer", "regularizer", "constraint")

# What `keras.layers.Layer`/`keras.Model` take or define, and names the generated
# code itself uses: a parameter with one of these names would break the class.
RESERVED_NAMES = frozenset(
    {
        "activity_regularizer",
        "autocast",
        "batch_input_shape",
        "batch_size",
        "built",
        "cls",
        "compute_dtype",
        "config",
        "dtype",
        "dtype_policy",
        "dynamic",
        "input",
        "input_dim",
        "input_dtype",
        "input_shape",
        "input_spec",
        "inputs",
        "kwargs",
        "layers",
        "losses",
        "metrics",
        "name",
        "non_trainable_variables",
        "non_trainable_weights",
        "optimizer",
        "output",
        "outputs",
        "path",
        "self",
        "stateful",
        "supports_masking",
        "trainable",
        "trainable_variables",
        "trainable_weights",
        "training",
        "variable_dtype",
        "variables",
        "weights",
    }
)

# Identifiers Keras's `get()` functions accept with no further argument and that
# keep shapes (so not `glu`, `threshold`, `constant`); checked against the
# installed Keras by a project test, so that generating never imports Keras.
KNOWN_OBJECTS = {
    "activation": frozenset(
        "celu elu exponential gelu hard_shrink hard_sigmoid hard_silu hard_swish "
        "hard_tanh leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu "
        "sigmoid silu soft_shrink softmax softplus softsign sparse_plus sparse_sigmoid "
        "sparsemax squareplus swish tanh tanh_shrink".split()
    ),
    "initializer": frozenset(
        "glorot_normal glorot_uniform he_normal he_uniform identity lecun_normal "
        "lecun_uniform ones orthogonal random_normal random_uniform truncated_normal "
        "variance_scaling zeros".split()
    ),
    "regularizer": frozenset("l1 l2 orthogonal_regularizer".split()),
    "constraint": frozenset("max_norm min_max_norm non_neg unit_norm".split()),
}

# Limits that keep every generated line within 88 columns (ruff's E501).
MAX_NAME_LENGTH = 28
MAX_TEXT_LENGTH = 40  # a str default or one choice, as written in code
MAX_CHOICES_LENGTH = 48  # every choice together, as a message names them
MAX_NUMBER_LENGTH = 12  # a bound or a default, as written in code
MAX_INTS = 8  # elements of an ints default

_SPEC = re.compile(
    r"^(?P<name>[^:=]*):(?P<type>[^:=]*)(?::(?P<constraint>[^=]*))?(?:=(?P<default>.*))?$"
)
_RANGE = re.compile(r"^(?P<lo>[^.]*(?:\.\d+)?)\.\.(?P<hi>.*)$")

SYNTAX_HELP = """\
Declare each argument as NAME:TYPE[:RANGE][=DEFAULT]; without =DEFAULT it is required.

\b
TYPE          DEFAULT written as      RANGE
int           32 / none               LO..HI, LO.., ..HI, positive, non-negative
float         0.1 / none              as int; `positive` means > 0
bool          true / false
str           any text
choice        one of the choices      the choices, comma-separated: choice:sum,mean
ints          3,3 (a tuple of ints)   as int, for every element
activation    relu / none
initializer   glorot_uniform
regularizer   l2 / none
constraint    non_neg / none
layer         none (a nested Keras layer, always optional)

\b
Examples:
  --param units:int:positive
  --param dropout_rate:float:0..1=0.1
  --param use_bias:bool=true
  --param mode:choice:sum,mean,max=sum
  --param kernel_size:ints:positive=3,3
  --param activation:activation=relu
  --param kernel_initializer:initializer=glorot_uniform
"""


def parse_param(spec: str) -> dict:
    """Parse one `--param` declaration into its answers dict, or raise."""
    match = _SPEC.match(spec.strip())
    if not match:
        raise InvalidParamError(
            f"`--param {spec}` is malformed: write NAME:TYPE[:RANGE][=DEFAULT], "
            "for example `units:int:positive=32`."
        )
    name, type_ = match["name"].strip(), match["type"].strip()
    constraint, default = match["constraint"], match["default"]
    _check_name(name, spec)
    if not type_:
        raise InvalidParamError(
            f"`--param {spec}` is missing its type; write NAME:TYPE, "
            f"for example `{name}:int`."
        )
    if type_ not in TYPES:
        raise InvalidParamError(
            f"`--param {spec}`: unknown type `{type_}`; "
            f"types are {', '.join(TYPES)}."
        )
    param: dict = {"name": name, "type": type_}
    if constraint is not None:
        param.update(_parse_constraint(type_, constraint.strip(), spec))
    elif type_ == "choice":
        raise InvalidParamError(
            f"`--param {spec}`: a choice needs its choices, "
            f"for example `{name}:choice:sum,mean`."
        )
    if default is not None:
        param["default"] = _parse_default(param, default.strip(), spec)
    elif type_ == "layer":
        param["default"] = None
    return param


def parse_params(specs: list[str] | tuple[str, ...]) -> list[dict]:
    """Parse every `--param` declaration, refusing duplicate names."""
    params = [parse_param(spec) for spec in specs]
    seen: set[str] = set()
    for param in params:
        if param["name"] in seen:
            raise InvalidParamError(
                f"`--param {param['name']}` is declared twice; declare each "
                "argument once."
            )
        seen.add(param["name"])
    return params


_KEYS = {
    "name": str,
    "type": str,
    "choices": list,
    "min": (int, float),
    "max": (int, float),
    "min_exclusive": bool,
}


def check_params(params: list) -> list[dict]:
    """Validate parameters read back from an answers file (already structured):
    each must be exactly what `parse_param` makes of its `--param` spelling."""
    if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
        raise InvalidParamError("`params` must be a list of parameter mappings.")
    for param in params:
        for key, value in param.items():
            expected = _KEYS.get(key)
            if key != "default" and (
                expected is None
                or not isinstance(value, expected)
                or (expected is not bool and isinstance(value, bool))
            ):
                raise InvalidParamError(
                    f"parameter {param.get('name')!r}: key {key!r} with value "
                    f"{value!r} is not part of a parameter declaration."
                )
        if not all(isinstance(c, str) for c in param.get("choices", [])):
            raise InvalidParamError(
                f"parameter {param.get('name')!r}: choices must be strings."
            )
    parsed = parse_params([format_param(param) for param in params])
    for param, again in zip(params, parsed, strict=True):
        if param != again:
            raise InvalidParamError(
                f"parameter {param.get('name')!r} ({param!r}) is not a declaration "
                f"`--param` can make; it reads as `{format_param(param)}`."
            )
    return parsed


def format_param(param: dict) -> str:
    """The `--param` spelling of a parameter dict (the inverse of `parse_param`)."""
    text = f"{param.get('name', '')}:{param.get('type', '')}"
    if "choices" in param:
        text += ":" + ",".join(param["choices"])
    elif "min" in param or "max" in param:
        low, high = param.get("min"), param.get("max")
        if param.get("min_exclusive") and low == 0:
            text += ":positive"
        elif high is None and low == 1 and param["type"] != "float":
            text += ":positive"
        elif high is None and low == 0 and not param.get("min_exclusive"):
            text += ":non-negative"
        else:
            low = _number_text(param.get("min"))
            high = _number_text(param.get("max"))
            text += f":{low}..{high}"
    if "default" in param and not (
        param["type"] == "layer" and param["default"] is None
    ):
        text += "=" + _default_text(param["default"])
    return text


def _check_name(name: str, spec: str) -> None:
    if not name:
        raise InvalidParamError(
            f"`--param {spec}` has an empty name; write NAME:TYPE, "
            "for example `units:int`."
        )
    if not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidParamError(
            f"`--param {spec}`: `{name}` is not a valid Python argument name."
        )
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:  # Python reads identifiers in this form
        raise InvalidParamError(
            f"`--param {spec}`: Python reads `{name}` as `{normal}`; write "
            f"`{normal}` if that is what you mean."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidParamError(
            f"`--param {spec}`: `{name}` is longer than {MAX_NAME_LENGTH} "
            "characters; the generated lines would not fit in 88 columns."
        )
    if name in AMBIGUOUS_NAMES:
        raise InvalidParamError(
            f"`--param {spec}`: `{name}` reads like a digit (ruff's E741); "
            "choose a longer name."
        )
    if name == "activity_regularizer":
        raise InvalidParamError(
            f"`--param {spec}`: every Keras layer takes `activity_regularizer` "
            "already (Keras's base `Layer` applies it to the outputs and saves it): "
            "pass it to the class as it is, without declaring it."
        )
    if name in RESERVED_NAMES or name.startswith("_"):
        raise InvalidParamError(
            f"`--param {spec}`: `{name}` is taken by Keras's base `Layer` or by "
            "the generated code; choose another name."
        )
    if name in KERAS_BASE_ATTRIBUTES:
        raise InvalidParamError(
            f"`--param {spec}`: `{name}` is an attribute or method of Keras's "
            "`Layer` or `Model`, which the argument would replace; choose "
            "another name."
        )
    if name in GENERATED_NAMES:
        raise InvalidParamError(
            f"`--param {spec}`: the generated code uses `{name}` itself; "
            "choose another name."
        )
    if name in BUILTIN_NAMES:
        raise InvalidParamError(
            f"`--param {spec}`: `{name}` would shadow Python's built-in "
            f"`{name}`, which the generated code uses; choose another name."
        )


def _parse_constraint(type_: str, text: str, spec: str) -> dict:
    if type_ == "choice":
        choices = [choice.strip() for choice in text.split(",")]
        if not all(choices) or len(set(choices)) != len(choices) or len(choices) < 2:
            raise InvalidParamError(
                f"`--param {spec}`: a choice needs two or more distinct, non-empty "
                "choices separated by commas."
            )
        longest = max(choices, key=_code_length)
        if _code_length(longest) > MAX_TEXT_LENGTH:
            raise InvalidParamError(
                f"`--param {spec}`: choice {longest!r} is longer than "
                f"{MAX_TEXT_LENGTH} characters as Python code."
            )
        if sum(_code_length(choice) for choice in choices) > MAX_CHOICES_LENGTH:
            raise InvalidParamError(
                f"`--param {spec}`: the choices are longer than "
                f"{MAX_CHOICES_LENGTH} characters together; the generated "
                "message naming them would not fit in 88 columns."
            )
        return {"choices": choices}
    if type_ not in _NUMERIC_TYPES:
        raise InvalidParamError(
            f"`--param {spec}`: type `{type_}` takes no range; ranges are for "
            "int, float and ints."
        )
    number = float if type_ == "float" else int
    if text == "positive":
        return {"min": 0, "min_exclusive": True} if number is float else {"min": 1}
    if text in ("non-negative", "nonnegative"):
        return {"min": 0}
    match = _RANGE.match(text)
    if not match or not (match["lo"] or match["hi"]):
        raise InvalidParamError(
            f"`--param {spec}`: range `{text}` is not LO..HI, LO.., ..HI, "
            "`positive` or `non-negative`."
        )
    bounds = {}
    for key, value in (("min", match["lo"]), ("max", match["hi"])):
        if value:
            bounds[key] = _parse_number(number, value, spec, "range bound")
    if "min" in bounds and "max" in bounds:
        low, high = bounds["min"], bounds["max"]
        if low > high:
            raise InvalidParamError(
                f"`--param {spec}`: the range is empty ({low} > {high})."
            )
        # The generated tests need two distinct valid values and one between.
        if number is int and high - low < 1 or (low + high) / 2 in (low, high):
            raise InvalidParamError(
                f"`--param {spec}`: the range {low}..{high} holds a single value; "
                "an argument that can take one value is a constant."
            )
    return bounds


def _parse_default(param: dict, text: str, spec: str):
    type_ = param["type"]
    if type_ in ("int", "float") and text.lower() in ("none", "null"):
        # An optional number (a seed, say): the generated code takes None too.
        return None
    if type_ == "int" or type_ == "float":
        value = _parse_number(int if type_ == "int" else float, text, spec, "default")
        _check_in_range(param, value, spec)
        return value
    if type_ == "ints":
        items = [
            item.strip() for item in text.strip("()[] ").split(",") if item.strip()
        ]
        if not items:
            raise InvalidParamError(
                f"`--param {spec}`: an ints default is comma-separated integers, "
                "for example `3,3`."
            )
        if len(items) > MAX_INTS:
            raise InvalidParamError(
                f"`--param {spec}`: an ints default has at most {MAX_INTS} elements."
            )
        values = [_parse_number(int, item, spec, "default") for item in items]
        for value in values:
            _check_in_range(param, value, spec)
        return values
    if type_ == "bool":
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise InvalidParamError(
            f"`--param {spec}`: default `{text}` is not a bool; write true or false."
        )
    if type_ == "choice":
        if text not in param["choices"]:
            raise InvalidParamError(
                f"`--param {spec}`: default `{text}` is not one of "
                f"{', '.join(param['choices'])}."
            )
        return text
    if type_ == "str":
        if _code_length(text) > MAX_TEXT_LENGTH:
            raise InvalidParamError(
                f"`--param {spec}`: the default is longer than {MAX_TEXT_LENGTH} "
                "characters as Python code; the generated lines would not fit in "
                "88 columns."
            )
        return text
    if type_ == "layer":
        if text.lower() not in ("none", "null", ""):
            raise InvalidParamError(
                f"`--param {spec}`: a layer argument's default is none; pass the "
                "layer when constructing."
            )
        return None
    # activation, initializer, regularizer, constraint
    if text.lower() in ("none", "null", ""):
        if type_ == "initializer":
            raise InvalidParamError(
                f"`--param {spec}`: an initializer cannot be none; "
                "use for example `glorot_uniform` or `zeros`."
            )
        return None
    if text not in KNOWN_OBJECTS[type_]:
        known = ", ".join(sorted(KNOWN_OBJECTS[type_]))
        raise InvalidParamError(
            f"`--param {spec}`: `{text}` is not a Keras {type_}; known names: {known}."
        )
    return text


def _parse_number(number: type, text: str, spec: str, what: str):
    try:
        value = number(text)
    except ValueError:
        kind = "an integer" if number is int else "a number"
        raise InvalidParamError(
            f"`--param {spec}`: {what} `{text}` is not {kind}."
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidParamError(f"`--param {spec}`: {what} `{text}` is not finite.")
    if len(repr(value)) > MAX_NUMBER_LENGTH or abs(value) > 1e9:
        raise InvalidParamError(
            f"`--param {spec}`: {what} `{text}` is longer than "
            f"{MAX_NUMBER_LENGTH} characters or larger than 1e9 in magnitude."
        )
    return value


def _check_in_range(param: dict, value, spec: str) -> None:
    low, high = param.get("min"), param.get("max")
    too_low = low is not None and (
        value <= low if param.get("min_exclusive") else value < low
    )
    too_high = high is not None and value > high
    if too_low or too_high:
        raise InvalidParamError(
            f"`--param {spec}`: default {value} is outside the declared range."
        )


def _code_length(text: str) -> int:
    """How many columns `text` takes as the inside of a generated string literal
    (a wide character, as CJK, takes two, as ruff counts them)."""
    return width(repr(text)[1:-1]) + text.count('"') + text.count("'")


def width(text: str) -> int:
    """The columns `text` takes in an editor: two for each wide character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _number_text(value) -> str:
    return "" if value is None else repr(value)


def _default_text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


# Descriptions (`--doc NAME=TEXT`): one line of plain text for the docstring's
# `Args:` entry, refused where it could break the docstring around it.
MAX_DOC_WORD_LENGTH = 60  # a longer word could not be wrapped within 88 columns


def check_doc(name: str, text: object) -> str:
    """A parameter's description as it goes into the docstring, or raise."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidParamError(f"`--doc {name}=`: the description is empty.")
    if '"""' in text or "\\" in text:
        raise InvalidParamError(
            f'`--doc {name}=...`: a description cannot hold `"""` or a '
            "backslash, which would break the docstring."
        )
    if any(unicodedata.category(char)[0] == "C" for char in text):
        raise InvalidParamError(
            f"`--doc {name}=...`: a description is one line of text, without "
            "control characters (newlines, tabs)."
        )
    text = " ".join(text.split())
    text = text if text[-1] in ".!?" else text + "."
    # Measured with the period added: the answers file records it, and
    # `regenerate` checks the description again.
    if max(width(word) for word in text.split()) > MAX_DOC_WORD_LENGTH:
        raise InvalidParamError(
            f"`--doc {name}=...`: a word longer than {MAX_DOC_WORD_LENGTH} "
            "columns (its final period included) would not fit in the "
            "docstring's 88 columns."
        )
    return text


def add_docs(params: list[dict], docs: list[str] | tuple[str, ...]) -> list[dict]:
    """`params` with each `--doc NAME=TEXT` description as its `doc`."""
    by_name = {param["name"]: param for param in params}
    for spec in docs:
        name, sep, text = spec.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidParamError(
                f"`--doc {spec}` is not NAME=TEXT; for example "
                "`--doc units='Size of the output'`."
            )
        if name not in by_name:
            raise InvalidParamError(
                f"`--doc {name}=...` describes an argument not declared with "
                f"--param; declare it first (`--param {name}:TYPE`)."
            )
        if "doc" in by_name[name]:
            raise InvalidParamError(f"`--doc {name}=...` is given twice.")
        by_name[name]["doc"] = check_doc(name, text)
    return params


def check_documented_params(params: list) -> list[dict]:
    """`check_params` for parameters that may carry a `doc` (an answers file)."""
    if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
        return check_params(params)  # which says what is wrong
    undocumented = [{k: v for k, v in p.items() if k != "doc"} for p in params]
    checked = check_params(undocumented)
    for param, again in zip(params, checked, strict=True):
        if "doc" in param:
            again["doc"] = check_doc(again["name"], param["doc"])
    return checked
