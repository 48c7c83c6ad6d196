"""Which templates render each recorded component: the ones that made it.

A component made from templates other than the built-in ones records where they
are, relative to the folder holding `.keras-scaffold/`, as its answers file's
`_src_path` (`Templates.src_path_from`). `regenerate` and `remove` render each
component from those, whatever folder the command runs in; one that records none
(made from the built-in templates, or by an earlier release) from the templates the
command was given (--templates, KERAS_SCAFFOLD_TEMPLATES), else the project's
`templates`, else the built-in ones. Templates given that are not the ones a
component records are refused, naming both: a switch is made on purpose, by
deleting the `_src_path` line and giving the others.
"""

from pathlib import Path

from keras_scaffold.errors import TemplateError
from keras_scaffold.records import Record, base_dir
from keras_scaffold.templates import Templates


class TemplatesOf:
    """Picks each component's templates; one `Templates` per folder, read once.

    `default` renders a component that records none; `given` is the folder the
    command was given, as typed, and `source` where (`--templates` or the
    environment variable), for the messages."""

    def __init__(
        self, default: Templates, given: str | None = None, source: str = ""
    ) -> None:
        self.default = default
        self.given = given
        self.source = source or "--templates"
        self._given = Path(given).resolve() if given is not None else None
        self._folders: dict[Path, Templates] = {default.root: default}
        # Each recorded folder found to hold templates, resolved: checked once,
        # however many components record it.
        self._found: dict[Path, Path] = {}

    def __call__(self, record: Record) -> Templates:
        if record.src_path is None:
            return self.default
        folder = record.root / record.src_path
        resolved = self._found.get(folder) or _template_folder(record, folder)
        if resolved is None:
            return self.default
        self._found[folder] = resolved
        if self._given is not None and self._given != resolved:
            raise TemplateError(
                f"{record.answers_path} was made from the templates at "
                f"{record.src_path} ({resolved}), its `_src_path`, and {self.source} "
                f"names {self.given}: run without it, or, to render it from "
                f"{self.given} from now on, delete the `_src_path` line of "
                f"{record.answers_path.name} and run again with --templates "
                f"{self.given}."
            )
        if resolved not in self._folders:
            self._folders[resolved] = Templates(resolved)
        return self._folders[resolved]


def _template_folder(record: Record, folder: Path) -> Path | None:
    """The recorded folder, resolved, if it holds templates; else one line saying
    which component, which folder, and what to do. (Checked here, not by reading
    its patterns: a `--check` with nothing to render reads none.)

    None for a component with no merge base whose `_src_path` leads to no
    templates: one made by plain `copier copy`, which records the path as it was
    given, relative to where Copier ran (the first `regenerate` records it as
    keras-scaffold does, with the base)."""
    try:
        resolved = folder.resolve()
        found = resolved.is_dir()
        holds = found and (resolved / "copier.yml").is_file()
        holds = holds and any(resolved.glob("*/pattern.yml"))
    except (OSError, RuntimeError) as error:  # a name too long, a symlink loop
        resolved, found, holds = folder, False, False
        problem = f"cannot be read ({getattr(error, 'strerror', None) or error})"
    else:
        problem = "is not a folder" if not found else "holds no templates"
    if holds:
        return resolved
    if not (record.root / base_dir(record.module_name)).is_dir():
        return None
    if found:
        problem += " (a copier.yml and pattern folders)"
    raise TemplateError(
        f"{record.answers_path} was made from the templates at {record.src_path} "
        f"({resolved}), its `_src_path`, which {problem}: put them back there, or, "
        "to render it from other templates, delete the `_src_path` line and run "
        "again with --templates DIR."
    )


__all__ = ["TemplatesOf"]
