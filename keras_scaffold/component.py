"""Components: the answers that describe one generated class, and rendering them."""

from pathlib import Path

from keras_scaffold.names import (
    check_class_name,
    check_module_name,
    check_package_name,
    snake_case,
)
from keras_scaffold.patterns import get_pattern
from keras_scaffold.render import component_template

# Where a destination keeps what is needed to render its components again.
RECORDS_DIR = ".keras-scaffold"


def make_answers(
    templates_dir: Path,
    pattern: str,
    class_name: str,
    package: str,
    params: list[dict] | None = None,
    module_dir: str = ".",
    tests_dir: str = ".",
    import_prefix: str = "",
) -> dict:
    """The Copier answers for one component, every name checked."""
    get_pattern(pattern, templates_dir)
    module_name = check_module_name(snake_case(check_class_name(class_name)))
    return {
        "pattern": pattern,
        "class_name": class_name,
        "module_name": module_name,
        "package": check_package_name(package),
        "module_dir": module_dir,
        "tests_dir": tests_dir,
        "module_import": f"{import_prefix}{module_name}",
        "params": params or [],
    }


def answers_file(answers: dict) -> str:
    """Where a component's answers are recorded, relative to its destination."""
    return f"{RECORDS_DIR}/{answers['module_name']}.yml"


def render(templates_dir: Path, answers: dict) -> dict[str, str]:
    """Every file of the component: {path relative to the destination: text}."""
    template = component_template(templates_dir)
    return template.render(answers, answers_file(answers))
