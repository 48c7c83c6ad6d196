"""The pattern registry: every folder under `templates/` that holds a `pattern.yml`."""

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from keras_scaffold.errors import TemplateError, UnknownPatternError

# The kind (and name) of the pattern folder that renders an adopted class's tests.
ADOPTED = "adopted"

# libyaml's safe loader where PyYAML was built with it: every command reads every
# pattern.yml and copier.yml, about 0.05 s with the pure-Python loader, 0.006 s here.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Pattern:
    """One pattern: what `list` and `new PATTERN --help` show, and its own arguments."""

    name: str
    kind: str
    summary: str
    usage: str
    params: list = field(default_factory=list)
    # Rules across the arguments (keras_scaffold/rules.py).
    rules: list = field(default_factory=list)


def load_patterns(templates_dir: Path) -> dict[str, Pattern]:
    """Read every `*/pattern.yml` under `templates_dir`, by pattern name."""
    patterns = {}
    for spec_file in sorted(templates_dir.glob("*/pattern.yml")):
        try:
            spec = yaml.load(spec_file.read_text(encoding="utf-8"), SafeLoader)
            pattern = Pattern(
                name=spec["name"],
                kind=spec["kind"],
                summary=spec["summary"],
                usage=spec["usage"],
                params=spec.get("params", []),
                rules=spec.get("rules", []),
            )
        except (yaml.YAMLError, KeyError, TypeError) as error:
            raise TemplateError(
                f"{spec_file} is not a valid pattern.yml: {error}"
            ) from error
        if pattern.name != spec_file.parent.name:
            raise TemplateError(
                f"{spec_file} names pattern `{pattern.name}`, but its folder is "
                f"`{spec_file.parent.name}`."
            )
        patterns[pattern.name] = pattern
    return patterns


def get_pattern(name: str, patterns: dict[str, Pattern]) -> Pattern:
    """The pattern called `name`, or an error naming the patterns and the closest."""
    if name in patterns:
        return patterns[name]
    close = difflib.get_close_matches(name, patterns, n=1)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    raise UnknownPatternError(
        f"Unknown pattern `{name}`.{hint} Patterns: {', '.join(patterns)}."
    )
