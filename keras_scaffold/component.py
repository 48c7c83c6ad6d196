"""Components: the answers that describe one generated class, and rendering them."""

from collections.abc import Mapping

from keras_scaffold import __version__
from keras_scaffold.names import (
    check_class_name,
    check_module_name,
    check_package_name,
    snake_case,
)
from keras_scaffold.records import answers_relpath
from keras_scaffold.render import Rendered
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
) -> dict:
    """The Copier answers for one component, every name checked."""
    templates.pattern(pattern)
    module_name = check_module_name(snake_case(check_class_name(class_name)))
    return {
        "pattern": pattern,
        "class_name": class_name,
        "module_name": module_name,
        "package": check_package_name(package),
        "module_dir": module_dir,
        "tests_dir": tests_dir,
        "module_import": import_prefix + module_name,
        "params": params or [],
        "keras_scaffold_version": __version__,
    }


def answers_file(answers: dict) -> str:
    """Where a component's answers are recorded, relative to its destination."""
    return answers_relpath(answers["module_name"])


def render(
    templates: Templates,
    answers: dict,
    src_path: str | None = None,
    formatted: Mapping[str, str] | None = None,
) -> Rendered:
    """Every file of the component by path relative to the destination (see
    `ComponentTemplate.render`)."""
    return templates.component.render(
        answers, answers_file(answers), src_path, formatted
    )
