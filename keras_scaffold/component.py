"""Components: the answers that describe one generated class, and rendering them."""

from keras_scaffold import __version__
from keras_scaffold.errors import AnswersError, InvalidParamError, shown
from keras_scaffold.names import (
    check_class_name,
    check_module_import,
    check_module_name,
    check_package_name,
    snake_case,
)
from keras_scaffold.params import format_param, parse_param
from keras_scaffold.records import answers_relpath
from keras_scaffold.render import Rendered
from keras_scaffold.rules import check_rules, default_values
from keras_scaffold.templates import Templates


def make_answers(
    templates: Templates,
    pattern: str,
    class_name: str,
    package: str,
    params: list[dict] | None = None,
    module_dir: str = ".",
    tests_dir: str = ".",
    import_prefix: str = "",
    exclude: list[str] | None = None,
    quantize_shard: bool = True,
) -> dict:
    """The Copier answers for one component, every name checked (the files
    `exclude` names, by `check_excluded`, once the answers are made)."""
    spec = templates.pattern(pattern)
    own = {param["name"]: param for param in spec.params}
    params = [
        _replacing(param, own.get(param["name"]), pattern) for param in params or []
    ]
    check_rules(pattern, spec.rules, default_values(spec.params, params))
    module_name = check_module_name(snake_case(check_class_name(class_name)))
    answers = {
        "pattern": pattern,
        "class_name": class_name,
        "module_name": module_name,
        "package": check_package_name(package),
        "module_dir": module_dir,
        "tests_dir": tests_dir,
        # From folder names or an answers file, and written into the test's code.
        "module_import": check_module_import(import_prefix + module_name),
        "params": params or [],
        "quantize_shard": quantize_shard,
        "keras_scaffold_version": __version__,
    }
    if exclude:  # as Copier records it: only where there is one
        answers["exclude"] = list(exclude)
    return answers


# Keras objects that refuse a 1-D weight: a pattern's `vector` argument (an
# initializer or regularizer of a bias, gamma or beta) cannot default to them.
MATRIX_ONLY = frozenset({"identity", "orthogonal", "orthogonal_regularizer"})


def _replacing(param: dict, mine: dict | None, pattern: str) -> dict:
    """`param`, checked against the pattern's own argument of that name (if any),
    whose code it must still suit: the same type, within the same range (which
    it takes when it declares none) or choices."""
    if mine is None:
        return param
    if mine.get("type") != param["type"]:
        raise InvalidParamError(
            f"`--param {format_param(param)}`: the {pattern} pattern's own "
            f"`{param['name']}` is a {mine.get('type')}, and its code uses it as "
            "one; declare it with that type, or choose another name."
        )
    bounds = ("min", "max", "min_exclusive")
    if not any(key in param for key in bounds) and any(key in mine for key in bounds):
        merged = {**param, **{key: mine[key] for key in bounds if key in mine}}
        # The default must fit it too; the description stays.
        doc = {"doc": param["doc"]} if "doc" in param else {}
        param = {**parse_param(format_param(merged)), **doc}
    _check_default(param, mine, pattern)
    length = mine.get("length")
    if length and len(param.get("default") or [length]) not in (1, length):
        raise InvalidParamError(
            f"`--param {format_param(param)}`: the {pattern} pattern's "
            f"`{param['name']}` holds {length} integers (one stands for all "
            f"{length}); declare a default of 1 or {length}."
        )
    if not _within(param, mine):
        raise InvalidParamError(
            f"`--param {format_param(param)}`: the {pattern} pattern's code needs "
            f"`{param['name']}` within its own range or choices "
            f"(`{format_param(mine)}`); declare a narrower one, or choose another "
            "name."
        )
    return param


def _check_default(param: dict, mine: dict, pattern: str) -> None:
    """Refuse a default the pattern's code cannot use for its own argument."""
    default, spec = param.get("default"), format_param(param)
    number = param["type"] in ("int", "float")
    if (
        number
        and "default" in param
        and default is None
        and mine.get("default", 0) is not None
    ):
        raise InvalidParamError(
            f"`--param {spec}`: the {pattern} pattern's code uses "
            f"`{param['name']}` as a number, never None; declare a number as "
            "its default, or no default."
        )
    if not isinstance(default, str):
        return
    if mine.get("vector") and default in MATRIX_ONLY:
        raise InvalidParamError(
            f"`--param {spec}`: `{default}` works on matrices only, and the "
            f"{pattern} pattern's `{param['name']}` is for a vector (a 1-D "
            "weight); choose another default."
        )
    reason = mine.get("refuse", {}).get(default)
    if reason:
        raise InvalidParamError(
            f"`--param {spec}`: a default of `{default}` {' '.join(reason.split())}; "
            "choose another default."
        )


def _within(declared: dict, own: dict) -> bool:
    """Whether every value `declared` accepts is one the pattern's `own` accepts."""
    if "choices" in own:
        return set(declared.get("choices", ())) <= set(own["choices"])
    if "min" in own:
        low = declared.get("min")
        if low is None or low < own["min"]:
            return False
        exclusive = declared.get("min_exclusive", False)
        if own.get("min_exclusive") and low == own["min"] and not exclusive:
            return False
    if "max" in own:
        high = declared.get("max")
        if high is None or high > own["max"]:
            return False
    return True


def answers_file(answers: dict) -> str:
    """Where a component's answers are recorded, relative to its destination."""
    return answers_relpath(answers["module_name"])


def render(
    templates: Templates, answers: dict, src_path: str | None = None
) -> Rendered:
    """Every file of the component by path relative to the destination (see
    `ComponentTemplate.render`)."""
    return templates.component.render(answers, answers_file(answers), src_path)


def check_excluded(templates: Templates, answers: dict, where: object) -> None:
    """Refuse an `exclude` answer naming anything but a file the templates give the
    component (its answers file aside): `regenerate` and `remove` would not know
    what it stands for."""
    excluded = answers.get("exclude") or []
    if not excluded:
        return
    files = generated_paths(templates, {**answers, "exclude": []})
    for entry in excluded:
        if entry not in files:
            raise AnswersError(
                f"{where}: `exclude` names {shown(entry)!r}, which is none of the "
                f"files the templates give this component ({', '.join(files)}); "
                "remove it from the list."
            )


def generated_paths(templates: Templates, answers: dict) -> list[str]:
    """What the component's answers say it generated: the paths its files (the
    answers file aside, and those its `exclude` answer leaves out) render to."""
    paths = templates.component.paths(answers, answers_file(answers))
    return [path for path in paths if path != answers_file(answers)]
