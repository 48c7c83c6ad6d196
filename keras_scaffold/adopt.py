"""Adopting an existing class: the generated test suite for a layer keras-scaffold
did not write (`keras-scaffold adopt`), and the same test file for `check --run`.

The class is found by reading its source (never importing it or Keras); its sample
arguments come from `--init`, a `[tool.keras-scaffold.check]` table in the nearest
pyproject.toml, or its `__init__` signature (defaults, and type hints for the
required arguments). The test file is the `adopted` template folder rendered like
any component, so `regenerate` keeps it current.
"""

import ast
import json
import math
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from keras_scaffold import __version__, writer
from keras_scaffold.answers import (
    ANSWER_KEYS,
    INPUT_DTYPES,
    check_adopted,
    check_call_inputs,
    check_input_shape,
    check_variable_axes,
)
from keras_scaffold.check.finder import KerasClass
from keras_scaffold.check.index import Index, module_location, parse
from keras_scaffold.errors import AnswersError, CheckError, OutputError, ScaffoldError
from keras_scaffold.generate import Plan, plan_component
from keras_scaffold.names import (
    check_class_name,
    check_module_import,
    check_module_name,
    snake_case,
)
from keras_scaffold.patterns import ADOPTED
from keras_scaffold.project import find_project
from keras_scaffold.records import Record, find_root
from keras_scaffold.templates import Templates

DEFAULT_INPUT_SHAPE = (2, 8)
# The sample value of a required argument, by its type hint.
_SAMPLES = {"int": 4, "float": 0.5, "bool": True}


@dataclass(frozen=True)
class Target:
    """One class to adopt: where it is and what its tests construct it with."""

    path: Path
    line: int
    column: int
    class_name: str
    kind: str  # "layer" or "model"
    import_root: Path  # the folder to put on sys.path
    module_import: str
    init: dict | None  # None: the signature cannot be filled (see `missing`)
    other: dict | None = None
    input_shape: tuple[int, ...] = DEFAULT_INPUT_SHAPE
    missing: list[str] = field(default_factory=list)
    input_dtype: str = "float32"
    call_inputs: dict | None = None  # `call`'s other inputs, by argument name
    variable_axes: list[int] | None = None  # None: the time axis of a sequence

    @property
    def settings(self) -> dict:
        """The `adopted` answer."""
        settings = {"kind": self.kind, "init": self.init or {}}
        if self.other is not None:
            settings["other"] = self.other
        settings["input_shape"] = list(self.input_shape)
        if self.input_dtype != "float32":
            settings["input_dtype"] = self.input_dtype
        if self.call_inputs:
            settings["call_inputs"] = self.call_inputs
        if self.variable_axes is not None:
            settings["variable_axes"] = self.variable_axes
        return settings


@dataclass(frozen=True)
class Options:
    """Sample arguments given on the command line, by class name."""

    init: dict[str, dict] = field(default_factory=dict)
    other: dict[str, dict] = field(default_factory=dict)
    input_shape: tuple[int, ...] | None = None
    input_dtype: str | None = None


def parse_init(specs: tuple[str, ...] | list[str]) -> tuple[dict, dict]:
    """`Class={"units": 4}` and `Class.other={...}` (JSON) by class name."""
    init: dict[str, dict] = {}
    other: dict[str, dict] = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        name = name.strip()
        chosen = init
        if name.endswith(".other"):
            name, chosen = name.removesuffix(".other"), other
        if not sep or not name.isidentifier():
            raise CheckError(
                f"--init `{spec}`: give CLASS=JSON, such as 'MyLayer={{\"units\": 4}}'."
            )
        chosen[name] = parse_json_config(text, f"--init {name}")
    return init, other


def parse_json_config(text: str, where: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise CheckError(f"{where}: not valid JSON ({error.msg}).") from error
    if not isinstance(value, dict):
        raise CheckError(f"{where}: give a JSON object of arguments, such as {{}}.")
    check_finite(value, where)
    return value


def check_finite(value: object, where: str) -> None:
    """Refuse infinities and NaN (JSON's `1e400`, `NaN`; TOML's and YAML's
    `inf`): the test file writes each argument as a Python literal, and these
    have none."""
    if isinstance(value, float) and not math.isfinite(value):
        raise CheckError(
            f"{where}: {value!r} is not a finite number, which the test file "
            "could write; give a finite one."
        )
    for item in (
        value.values()
        if isinstance(value, dict)
        else (value if isinstance(value, list) else ())
    ):
        check_finite(item, where)


def parse_input_dtype(text: str, where: str = "--input-dtype") -> str:
    if text not in INPUT_DTYPES:
        raise CheckError(f"{where} `{text}`: give {' or '.join(INPUT_DTYPES)}.")
    return text


def parse_input_shape(text: str) -> tuple[int, ...]:
    """`2,6` as (2, 6): batch first, every size positive."""
    try:
        shape = [int(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        shape = []
    try:
        return check_input_shape(shape, f"--input-shape `{text}`")
    except ScaffoldError as error:
        raise CheckError(str(error)) from None


def split_target(text: str) -> tuple[Path, str | None]:
    """`PATH::Class` as the path and the class name (None when not given)."""
    path, sep, name = text.partition("::")
    return Path(path), (name if sep else None)


def find_targets(
    path: Path, source: str, options: Options, only: str | None = None
) -> list[Target]:
    """The Layer and Model classes defined at the top of one file's source."""
    import_root, module_import = import_location(path)
    module = parse(str(path), source, module_import)
    index = Index()
    index.add(module, import_root)
    index.link()
    table = _pyproject_table(path)
    targets = []
    for cls in module.classes:
        if cls.local or cls.kind not in ("layer", "model", "builtin"):
            continue
        if only is not None and cls.name != only:
            continue
        targets.append(_target(cls, path, import_root, module_import, options, table))
    return targets


def _target(
    cls: KerasClass,
    path: Path,
    import_root: Path,
    module_import: str,
    options: Options,
    table: dict,
) -> Target:
    name = cls.name
    missing: list[str] = []
    init = options.init.get(name)
    if init is None:
        init = _table_config(table, "init", name, path)
    if init is None:
        init, missing = signature_config(cls)
    other = options.other.get(name)
    if other is None:
        other = _table_config(table, "other", name, path)
    shape = options.input_shape or _table_shape(table, name, path)
    dtype = options.input_dtype or _table_dtype(table, name)
    call_inputs = _by_class(table, "call-inputs", name)
    axes = _by_class(table, "variable-axes", name)
    try:
        if call_inputs is not None:
            check_call_inputs(call_inputs, f"{table['file']}: call-inputs {name}")
        if axes is not None:
            rank = len(shape or DEFAULT_INPUT_SHAPE)
            check_variable_axes(axes, rank, f"{table['file']}: variable-axes {name}")
    except ScaffoldError as error:
        raise CheckError(str(error)) from None
    return Target(
        path=path,
        line=cls.node.lineno,
        column=cls.node.col_offset + 1,
        class_name=name,
        kind="model" if cls.kind == "model" else "layer",
        import_root=import_root,
        module_import=module_import,
        init=None if missing else init,
        other=other,
        input_shape=shape or DEFAULT_INPUT_SHAPE,
        missing=missing,
        input_dtype=dtype or "float32",
        call_inputs=call_inputs,
        variable_axes=axes,
    )


def signature_config(cls: KerasClass) -> tuple[dict, list[str]]:
    """Sample arguments from `__init__`: a required argument gets a value from its
    type hint (int 4, float 0.5, bool True); arguments with defaults keep them.
    Also the required arguments no sample can be found for. A class without an
    `__init__` of its own takes its nearest parent's (in the files read)."""
    found = cls.find_method("__init__")
    if found is None:
        return {}, []
    init = found[1]
    arguments = init.args
    positional = [*arguments.posonlyargs, *arguments.args][1:]  # without self
    first_default = len(positional) - len(arguments.defaults)
    required = [arg for i, arg in enumerate(positional) if i < first_default]
    required += [
        arg
        for arg, default in zip(
            arguments.kwonlyargs, arguments.kw_defaults, strict=True
        )
        if default is None
    ]
    config, missing = {}, []
    for arg in required:
        sample = _sample(arg.annotation)
        if sample is None:
            missing.append(arg.arg)
        else:
            config[arg.arg] = sample
    return config, missing


def _sample(annotation: ast.expr | None) -> object:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Name):
        return _SAMPLES.get(annotation.id)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _sample(annotation.left)  # int | None
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        if annotation.value.id == "Optional":
            return _sample(annotation.slice)
    return None


def import_location(path: Path) -> tuple[Path, str]:
    """The folder to import from and the dotted module: up through the packages
    (folders with `__init__.py`) that hold the file."""
    return module_location(path)


def _pyproject_table(path: Path) -> dict:
    """`[tool.keras-scaffold.check]` of the nearest pyproject.toml above `path`."""
    for folder in path.resolve().parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:  # a FIFO or a device there is refused, never read
                text = writer.read_bytes(pyproject, writer.MAX_TEXT_BYTES)
                data = tomllib.loads(text.decode("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
                raise CheckError(f"cannot read {pyproject}: {error}") from error
            except ScaffoldError as error:
                raise CheckError(str(error)) from None
            table = data.get("tool", {}).get("keras-scaffold", {}).get("check", {})
            return {"file": pyproject, **table} if isinstance(table, dict) else {}
    return {}


def _table_config(table: dict, key: str, name: str, path: Path) -> dict | None:
    value = (table.get(key) or {}).get(name)
    if value is not None and not isinstance(value, dict):
        raise CheckError(
            f"{table['file']}: [tool.keras-scaffold.check.{key}] {name} must be a "
            "table of arguments."
        )
    if value is not None:
        check_finite(value, f"{table['file']}: [tool.keras-scaffold.check.{key}]")
    return value


def _table_shape(table: dict, name: str, path: Path) -> tuple[int, ...] | None:
    value = table.get("input-shape")
    if isinstance(value, dict):  # by class name
        value = value.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) < 2:
        raise CheckError(
            f"{table['file']}: input-shape must be a list of sizes, such as [2, 8]."
        )
    return parse_input_shape(",".join(str(size) for size in value))


def _by_class(table: dict, key: str, name: str) -> object:
    """`key`'s value for the class `name`, from its table by class name."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise CheckError(
            f"{table['file']}: {key} must be a table by class name, such as "
            f"{key} = {{{name} = ...}}."
        )
    return value.get(name)


def _table_dtype(table: dict, name: str) -> str | None:
    value = table.get("input-dtype")
    if isinstance(value, dict):  # by class name
        value = value.get(name)
    if value is None:
        return None
    return parse_input_dtype(str(value), f"{table['file']}: input-dtype")


def read_source(path: Path) -> str:
    if not path.is_file():
        raise CheckError(f"{path}: no such file.")
    try:  # as Python reads source
        with tokenize.open(path) as file:
            return file.read()
    except (OSError, SyntaxError, UnicodeDecodeError) as error:
        raise CheckError(f"{path}: cannot read: {error}") from error


def one_target(text: str, options: Options) -> Target:
    """The class `PATH::Class` names; an error names the classes there."""
    path, name = split_target(text)
    if not name:
        raise CheckError(f"`{text}`: name the class, as PATH::Class.")
    source = read_source(path)
    try:
        targets = find_targets(path, source, options)
    except SyntaxError as error:
        where = f"{path}:{error.lineno or 0}"
        raise CheckError(f"{where}: syntax error: {error.msg}") from error
    chosen = [target for target in targets if target.class_name == name]
    if not chosen:
        found = ", ".join(target.class_name for target in targets) or "none"
        raise CheckError(
            f"{path} defines no Keras layer or model `{name}` (found: {found})."
        )
    return chosen[0]


# Argument names that say they are a count or a size: an int in the example, so
# that pasting it does not pass a string where Keras wants a number.
_SIZE_NAME = re.compile(
    r"(^num_|^n_|(^|_)(size|dim|units|length|heads|filters|count|depth|layers)$)"
)


def _placeholder(name: str) -> object:
    return 4 if _SIZE_NAME.search(name) else "..."


def missing_message(target: Target) -> str:
    names = ", ".join(target.missing)
    example = json.dumps({name: _placeholder(name) for name in target.missing})
    return (
        f"needs arguments no sample can be found for ({names}); pass --init "
        f"'{target.class_name}={example}'"
    )


# -- Answers and rendering. ---------------------------------------------------


def answers_for(
    target: Target,
    tests_dir: str = ".",
    module_name: str | None = None,
    module_dir: str = ".",
) -> dict:
    """The answers that render `target`'s test file (pattern `adopted`):
    `module_import` and `module_dir` say where the class is, `module_name` names
    the component (its record and test file)."""
    return {
        "pattern": ADOPTED,
        "class_name": target.class_name,
        "module_name": module_name or snake_case(target.class_name),
        "package": target.module_import.partition(".")[0],
        "module_dir": module_dir,
        "tests_dir": tests_dir,
        "module_import": target.module_import,
        "params": [],
        "adopted": target.settings,
        "keras_scaffold_version": __version__,
    }


def checked_answers(record: Record) -> dict:
    """An adopted component's recorded answers, checked (for `regenerate`)."""
    answers = dict(record.answers)  # each checked as it was read (`answers`)
    _check_module_of_project(record)
    answers["params"] = []
    answers["keras_scaffold_version"] = __version__
    return {key: answers[key] for key in _ANSWER_ORDER if key in answers}


def _check_module_of_project(record: Record) -> None:
    """Refuse a recorded `module_import` that is no module of the project: the
    test file imports it, so a tampered one could import any installed module
    (`antigravity` opens a browser), and one that names nothing cannot run."""
    module = record.answers["module_import"]
    parts = module.split(".")
    top = record.root
    while (top / "__init__.py").is_file():  # the records may sit in a package
        top = top.parent
    # The folder the module is imported from, as its recorded `module_dir` gives
    # it (adopted from a sub-folder: the records are above it).
    folder = record.root / record.answers["module_dir"]
    packages = parts[:-1]
    imported_from = folder
    if packages and folder.parts[-len(packages) :] == tuple(packages):
        imported_from = folder.parents[len(packages) - 1]
    for base in dict.fromkeys((record.root / "src", record.root, top, imported_from)):
        folder = base.joinpath(*parts[:-1])
        packages = [base.joinpath(*parts[:i]) for i in range(1, len(parts))]
        if all((package / "__init__.py").is_file() for package in packages) and (
            (folder / f"{parts[-1]}.py").is_file()
            or (folder / parts[-1] / "__init__.py").is_file()
        ):
            return
    raise AnswersError(
        f"{record.answers_path}: `module_import` `{module}` is no module of the "
        f"project at {record.root}; restore the file from version control, or "
        "adopt the class again."
    )


# The order `answers_for` gives the answers in: the version last, as for `new`.
# An adopted class has no generated module, so no `quantize_shard`.
_ANSWER_ORDER = [*ANSWER_KEYS[:-1], "adopted", ANSWER_KEYS[-1]]


def locate(target: Target, output: Path | None) -> tuple[Path, str]:
    """The destination root (where `.keras-scaffold/` is) and the tests folder in it.

    The nearest folder above the module that already keeps records, else the
    project made by `init` around it, else the folder the module is imported from.
    The tests go to --output, else the project's tests folder, else beside the
    module.
    """
    folder = target.path.resolve().parent
    project = find_project(folder)
    root = find_root(folder) or (project.root if project else target.import_root)
    root = root.resolve()
    if output is not None:
        if output.exists() and not output.is_dir():
            raise OutputError(f"--output {output} is a file; give the tests folder.")
        tests = output.resolve()
    elif project is not None:
        tests = (project.root / project.tests).resolve()
    else:
        tests = folder
    if not tests.is_relative_to(root):
        raise OutputError(
            f"the tests folder {tests} is outside {root}, where the records of "
            f"{target.class_name} go; give an --output inside it."
        )
    return root, tests.relative_to(root).as_posix() or "."


def plan(
    templates: Templates, target: Target, output: Path | None, force: bool = False
) -> Plan:
    """Render the adopted class's tests and check every write; writes nothing."""
    if target.init is None:
        message = missing_message(target).replace(f"'{target.class_name}=", "'")
        raise CheckError(f"`{target.class_name}` {message}.")
    check_class_name(target.class_name)
    check_module_name(snake_case(target.class_name))
    try:  # derived from folder and file names, and written into the test's code
        check_module_import(target.module_import)
        check_adopted(target.settings)
    except ScaffoldError as error:
        raise CheckError(f"{target.path}: {error}") from None
    root, tests_dir = locate(target, output)
    folder = target.path.resolve().parent.relative_to(root).as_posix()
    answers = answers_for(target, tests_dir, module_dir=folder)
    return Plan(*plan_component(templates, answers, root, force))
