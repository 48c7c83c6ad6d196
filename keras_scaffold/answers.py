"""Answers: what a component's answers file may hold, checked key by key with the
rules `new` and `adopt` apply to their arguments.

An answers file is input like any other (edited by hand, merged by git, or
tampered with), and every value in it reaches a path or generated code. `records`
reads it (size, links and YAML limits) and calls `check_answers` once; the folders
are checked there too, against the destination.
"""

import json
import math
import re

from keras_scaffold.errors import AnswersError, InvalidNameError, shown
from keras_scaffold.names import (
    check_class_name,
    check_module_import,
    check_module_name,
    check_package_name,
    snake_case,
)
from keras_scaffold.params import check_documented_params
from keras_scaffold.patterns import ADOPTED

# Answers keras-scaffold writes and reads back; Copier adds `_src_path`/`_commit`.
ANSWER_KEYS = (
    "pattern",
    "class_name",
    "module_name",
    "package",
    "module_dir",
    "tests_dir",
    "module_import",
    "params",
    "keras_scaffold_version",
)
# Answers only some components have: an adopted class's settings (`adopt`), and
# the generated files the user wants gone (`regenerate --exclude`), and
# whether a layer holds quantization and sharding support (absent in records
# written before it could be left out: true).
OPTIONAL_ANSWER_KEYS = ("adopted", "exclude", "quantize_shard")
# A component generates a few files; room to spare, none for a flood.
MAX_EXCLUDED = 16

# An adopted class's settings (the `adopted` answer).
KINDS = ("layer", "model")
# What the sample batch holds: random floats, or token ids 1 to 3 (never 0, padding).
INPUT_DTYPES = ("float32", "int32")
ADOPTED_KEYS = (
    "kind",
    "init",
    "other",
    "input_shape",
    "input_dtype",
    "call_inputs",
    "variable_axes",
)
# Another input `call` takes: the first input again, or values made to a shape.
SAME_INPUTS = "inputs"
MAX_CALL_INPUTS = 4
# Sample batches stay small enough to build and call a layer on quickly.
MAX_INPUT_RANK = 8
MAX_INPUT_VALUES = 1 << 24

# Limits on the sample arguments (`init`, `other`), written into the generated test
# as Python literals: within them every line black gives fits in 88 columns
# (ruff's E501): an argument at the fourth level of nesting is indented 20
# columns, then its key, `: `, its value and a comma.
MAX_NESTING = 4
MAX_KEY_CODE = 26  # a key as code, quotes included
MAX_TEXT_CODE = 34  # a string value as code, quotes included
MAX_NUMBER_CODE = 24
MAX_VALUES = 256

_VERSION = re.compile(r"[0-9A-Za-z.+!_-]{1,40}")
MAX_PATH_LENGTH = 4096


def check_answers(data: dict) -> tuple[dict, str | None]:
    """The answers keras-scaffold uses from an answers file's `data`, every one
    checked, and the `_src_path` that names the templates it was made from (None
    when there is none that does: `_binding_src_path`); raises a
    `ScaffoldError`."""
    missing = [key for key in ANSWER_KEYS if key not in data]
    if missing:
        raise AnswersError(f"it lacks {', '.join(missing)}; restore it.")
    answers = {key: data[key] for key in ANSWER_KEYS}
    for key, value in answers.items():
        expected = list if key == "params" else str
        if not isinstance(value, expected):
            raise AnswersError(
                f"`{key}` must be a {'list' if expected is list else 'string'}, not "
                f"{type(value).__name__} ({shown(value)}); restore it."
            )
    src_path = data.get("_src_path")
    if src_path is not None and not isinstance(src_path, str):
        raise AnswersError(
            f"`_src_path` must be a string, not {type(src_path).__name__}; restore it."
        )
    for key, value in {**answers, "_src_path": src_path or ""}.items():
        if isinstance(value, str) and (
            not value.isprintable() or len(value) > MAX_PATH_LENGTH
        ):
            raise AnswersError(
                f"`{key}` is {shown(value)!r}, which holds a character that cannot "
                "be printed or is too long; restore it."
            )
    _check_pattern(answers["pattern"])
    check_class_name(answers["class_name"])
    module_name = snake_case(answers["class_name"])
    if answers["module_name"] != module_name:
        raise AnswersError(
            f"module_name `{shown(answers['module_name'])}` does not match "
            f"class_name `{answers['class_name']}` (it would be `{module_name}`); "
            "restore the file."
        )
    check_module_name(module_name)
    check_package_name(answers["package"])
    try:
        module_import = check_module_import(answers["module_import"])
    except InvalidNameError as error:  # which answer it is
        raise AnswersError(f"`module_import`: {error}") from None
    if (
        answers["pattern"] != ADOPTED
        and module_import.rpartition(".")[2] != module_name
    ):
        raise AnswersError(
            f"module_import `{module_import}` does not end with the module "
            f"`{module_name}`; restore the file."
        )
    answers["params"] = check_documented_params(answers["params"])
    if not _VERSION.fullmatch(answers["keras_scaffold_version"]):
        raise AnswersError(
            f"keras_scaffold_version `{shown(answers['keras_scaffold_version'])}` is "
            "not a version number; restore it."
        )
    if "adopted" in data or answers["pattern"] == ADOPTED:
        answers["adopted"] = check_adopted(data.get("adopted"))
    if data.get("exclude") is not None and check_exclude(data["exclude"]):
        answers["exclude"] = data["exclude"]
    if "quantize_shard" in data:
        if not isinstance(data["quantize_shard"], bool):
            raise AnswersError(
                "`quantize_shard` must be true or false, not "
                f"{shown(data['quantize_shard'])}; restore it."
            )
        answers["quantize_shard"] = data["quantize_shard"]
    return answers, _binding_src_path(src_path, data)


def _binding_src_path(src_path: str | None, data: dict) -> str | None:
    """The `_src_path` that names the templates the component was made from: a
    relative path, as keras-scaffold writes it. None for none, for one machine's
    absolute path (an earlier release wrote those), for a URL, and for Copier's
    record of a git template (with `_commit`), which is `copier update`'s."""
    if (
        not src_path
        or "_commit" in data
        or src_path.startswith(("/", "~"))
        or _NOT_A_FOLDER.match(src_path)
    ):
        return None
    return src_path


# A URL (`https:`, `gh:`, `git+ssh:`), a drive (`C:`), or `git@host:path`.
_NOT_A_FOLDER = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|[^/]*@[^/]*:")


def check_exclude(exclude: object) -> list[str]:
    """The generated files the user wants gone (the `exclude` answer): paths
    relative to the folder holding `.keras-scaffold/`, as `regenerate` lists them,
    each once. Whether each is a file of the component, the templates say
    (`component.check_excluded`)."""
    if not (
        isinstance(exclude, list)
        and len(exclude) <= MAX_EXCLUDED
        and all(isinstance(entry, str) for entry in exclude)
    ):
        raise AnswersError(
            "`exclude` must be a list of the component's files to leave out, as "
            "paths relative to the folder holding .keras-scaffold/ (such as "
            f"[test_my_block.py]), at most {MAX_EXCLUDED}; restore it."
        )
    for index, entry in enumerate(exclude):
        parts = entry.split("/")
        if (
            not entry.isprintable()
            or len(entry) > MAX_PATH_LENGTH
            or "\\" in entry
            or any(part in ("", ".", "..") for part in parts)
        ):
            raise AnswersError(
                f"`exclude` holds {shown(entry)!r}, which is no path of a generated "
                "file (relative, each part a name: no `.`, `..` or empty part); "
                "restore it."
            )
        if entry in exclude[:index]:
            raise AnswersError(f"`exclude` names {entry!r} twice; keep one.")
    return exclude


def _check_pattern(pattern: str) -> None:
    # A pattern is a folder of the templates: its name, never a path.
    if not pattern or pattern in (".", "..") or any(c in pattern for c in "/\\"):
        raise AnswersError(
            f"pattern `{shown(pattern)}` is not a pattern name; restore it."
        )


def check_adopted(settings: object) -> dict:
    """An adopted class's settings (the `adopted` answer), or raise."""
    if not isinstance(settings, dict) or settings.get("kind") not in KINDS:
        raise AnswersError("`adopted` needs `kind` (layer or model) and `init`.")
    unknown = [key for key in settings if key not in ADOPTED_KEYS]
    if unknown:
        raise AnswersError(
            f"`adopted` holds `{shown(unknown[0])}`, which is none of "
            f"{', '.join(ADOPTED_KEYS)}."
        )
    for key in ("init", "other"):
        if settings.get(key) is not None or (key == "init" and key in settings):
            check_arguments(settings[key], f"adopted.{key}")
    if settings.get("input_dtype", "float32") not in INPUT_DTYPES:
        raise AnswersError(
            f"`adopted.input_dtype` must be one of {', '.join(INPUT_DTYPES)}."
        )
    shape = check_input_shape(settings.get("input_shape"), "`adopted.input_shape`")
    if settings.get("call_inputs") is not None:
        check_call_inputs(settings["call_inputs"], "`adopted.call_inputs`")
    if settings.get("variable_axes") is not None:
        check_variable_axes(
            settings["variable_axes"], len(shape), "`adopted.variable_axes`"
        )
    return settings


def check_call_inputs(call_inputs: object, where: str) -> dict:
    """The other inputs `call` takes, by argument name: `"inputs"` (the first
    input again) or `{shape, dtype, max}` (values made to that shape, per sample:
    int32 ids below `max`, or float32 halves)."""
    if not isinstance(call_inputs, dict) or len(call_inputs) > MAX_CALL_INPUTS:
        raise AnswersError(
            f"{where}: give a mapping of at most {MAX_CALL_INPUTS} `call` arguments, "
            'such as {value = "inputs"} or {ids = {shape = [3], dtype = "int32", '
            "max = 5}}."
        )
    for name, spec in call_inputs.items():
        if not (
            isinstance(name, str)
            and name.isidentifier()
            and len(name) <= MAX_KEY_CODE - 2
            and name not in ("inputs", "training", "mask", "self")
        ):
            raise AnswersError(
                f"{where}: `{shown(name)}` is not a `call` argument to give (an "
                "identifier other than inputs, training and mask)."
            )
        if spec == SAME_INPUTS:
            continue
        valid = isinstance(spec, dict) and set(spec) <= {"shape", "dtype", "max"}
        if valid:
            dtype = spec.get("dtype", "float32")
            top = spec.get("max")
            valid = dtype in INPUT_DTYPES and (
                top is None if dtype == "float32" else type(top) is int and top >= 1
            )
            try:
                check_input_shape([1, *spec.get("shape", [])], where)
            except AnswersError:
                valid = False
        if not valid:
            raise AnswersError(
                f'{where}: `{name}` must be "inputs" or {{shape = [SIZES], dtype = '
                '"float32"}, or {shape = [SIZES], dtype = "int32", max = N} (ids '
                "0 to N - 1)."
            )
    return call_inputs


def check_variable_axes(axes: object, rank: int, where: str) -> list[int]:
    """The axes of the sample batch, after the batch, that take any size."""
    if not (
        isinstance(axes, list)
        and all(type(axis) is int and 1 <= axis < rank for axis in axes)
        and len(set(axes)) == len(axes)
    ):
        raise AnswersError(
            f"{where}: give the axes after the batch that take any size, each once, "
            f"from 1 to {rank - 1} (such as [1], or [] for none)."
        )
    return axes


def check_input_shape(shape: object, where: str) -> tuple[int, ...]:
    """A sample batch's shape: batch first, two to eight positive sizes."""
    if not (
        isinstance(shape, list | tuple)
        and 2 <= len(shape) <= MAX_INPUT_RANK
        and all(type(size) is int and size > 0 for size in shape)
    ):
        raise AnswersError(
            f"{where}: give positive sizes, batch first, two to {MAX_INPUT_RANK} of "
            "them, such as 2,8."
        )
    if math.prod(shape) > MAX_INPUT_VALUES:
        raise AnswersError(
            f"{where}: {shown(list(shape))} holds more than {MAX_INPUT_VALUES} "
            "values; give a smaller sample batch."
        )
    return tuple(shape)


def check_arguments(arguments: object, where: str) -> dict:
    """Sample arguments (`init`, `other`): a mapping of argument names to JSON
    values that the generated test can write as Python literals within 88
    columns."""
    if not isinstance(arguments, dict):
        raise AnswersError(f"`{where}` must be a mapping of arguments.")
    for name in arguments:
        if not (isinstance(name, str) and name.isidentifier()):
            raise AnswersError(
                f"`{where}` names an argument `{shown(name)}`, which is not a Python "
                "identifier."
            )
    count = _check_value(arguments, where, 1)
    if count > MAX_VALUES:
        raise AnswersError(f"`{where}` holds more than {MAX_VALUES} values.")
    return arguments


def _check_value(value: object, where: str, depth: int) -> int:
    """How many values `value` holds; raises on one no JSON or line can hold."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int):
        if len(str(value)) > MAX_NUMBER_CODE:
            raise AnswersError(f"`{where}` holds a number too long for one line.")
        return 1
    if isinstance(value, float):
        if not math.isfinite(value) or len(str(value)) > MAX_NUMBER_CODE:
            raise AnswersError(
                f"`{where}` holds {shown(value)}, which is not a finite number "
                "short enough for one line."
            )
        return 1
    if isinstance(value, str):
        if _code_length(value) > MAX_TEXT_CODE:
            raise AnswersError(
                f"`{where}` holds the text {shown(value)!r}, longer than "
                f"{MAX_TEXT_CODE} characters as Python code."
            )
        return 1
    if isinstance(value, dict | list):
        if depth > MAX_NESTING:
            raise AnswersError(
                f"`{where}` nests its values more than {MAX_NESTING} deep."
            )
        count = 1
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(value, dict) and not (
                isinstance(key, str) and _code_length(key) <= MAX_KEY_CODE
            ):
                raise AnswersError(
                    f"`{where}` holds the key {shown(key)!r}: keys are texts of at "
                    f"most {MAX_KEY_CODE} characters as Python code."
                )
            count += _check_value(item, f"{where}.{shown(key, 20)}", depth + 1)
            if count > MAX_VALUES:
                break
        return count
    raise AnswersError(
        f"`{where}` holds {shown(value)} (a {type(value).__name__}); give JSON "
        "values: text, numbers, true, false, null, lists and mappings."
    )


def _code_length(text: str) -> int:
    """How long `text` is as the generated test writes it (Jinja's `tojson`, which
    also escapes <, >, & and ' as \\u00XX)."""
    return len(json.dumps(text)) + 5 * sum(text.count(c) for c in "<>&'")
