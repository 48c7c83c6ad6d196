"""A template folder, read once per command: its patterns, digest and renderer."""

import os
from functools import cached_property
from pathlib import Path

from keras_scaffold.errors import TemplateError
from keras_scaffold.patterns import ADOPTED, Pattern, get_pattern, load_patterns
from keras_scaffold.project import find_project
from keras_scaffold.render import ComponentTemplate
from keras_scaffold.template_files import TemplateFiles


def default_templates_dir() -> Path:
    """The templates shipped with keras-scaffold.

    An installed wheel carries them inside the package; a source checkout has them
    at the top of the repository.
    """
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


class Templates:
    """The templates at `root`; each property is computed on first use, then kept."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_templates_dir()).resolve()

    @cached_property
    def patterns(self) -> dict[str, Pattern]:
        # An adopted class's tests (`keras-scaffold adopt`) are no pattern to offer.
        patterns = {
            name: pattern
            for name, pattern in load_patterns(self.root).items()
            if pattern.kind != ADOPTED
        }
        if not patterns:
            raise TemplateError(
                f"{self.root} holds no patterns (folders with a pattern.yml); "
                "give --templates a keras-scaffold template folder."
            )
        return patterns

    def pattern(self, name: str) -> Pattern:
        return get_pattern(name, self.patterns)

    @cached_property
    def files(self) -> TemplateFiles:
        """The folder's files, each read once: the fingerprint and the renderer
        read them here, so the fingerprint is of the text rendered."""
        return TemplateFiles(self.root)

    @cached_property
    def digest(self) -> str:
        """A hash of every component template file (the project template aside):
        any edit that can change a component changes it."""
        return self.files.fingerprint()

    @property
    def built_in(self) -> bool:
        return self.root == default_templates_dir().resolve()

    def src_path_from(self, destination: Path) -> str:
        """The `_src_path` to record for a destination: where these templates are,
        relative to it, so that `regenerate` renders the component from them
        again (`origins`). The built-in templates, which every keras-scaffold
        carries, are recorded only as `portable_src_path` gives them."""
        if self.built_in:
            return portable_src_path(self.root, destination)
        try:
            return Path(os.path.relpath(self.root, destination.resolve())).as_posix()
        except ValueError:  # another drive, where no relative path leads
            return ""

    @cached_property
    def component(self) -> ComponentTemplate:
        return ComponentTemplate(self.root, self.files)


def templates_for(chosen: str | Path | None, near: Path) -> Templates:
    """The templates a command renders from: the folder chosen (--templates or
    KERAS_SCAFFOLD_TEMPLATES), else the one the project at or above `near`
    recorded, else the built-in ones."""
    if chosen:
        return Templates(Path(chosen))
    project = find_project(near)
    return Templates(project.templates_folder() if project else None)


def portable_src_path(template: Path, destination: Path) -> str:
    """The `_src_path` that is the same on every machine with the same commit: the
    template's path relative to the destination when both are in one repository,
    else none at all (an empty string), never one machine's absolute path.

    What `init` records for the project template, and what components made from
    the built-in templates record (`Templates.src_path_from`).
    """
    repository = _repository_of(template)
    if repository is not None and repository == _repository_of(destination):
        return Path(
            os.path.relpath(template.resolve(), destination.resolve())
        ).as_posix()
    return ""


def make_answers_portable(answers_file: Path, template: Path) -> None:
    """Rewrite the `_src_path` Copier recorded in `answers_file` as
    `portable_src_path` gives it, unless `_commit` is there too: then the template
    is a git repository that `copier update` reads from that path, as it is."""
    text = answers_file.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    if any(line.startswith("_commit:") for line in lines):
        return
    kept, skipping = [], False
    portable = portable_src_path(template, answers_file.parent)
    for line in lines:
        if line.startswith("_src_path:"):
            skipping = True
            if portable:
                kept.append(f"_src_path: {portable}\n")
            continue
        if skipping and line[:1] in (" ", "\t"):
            continue  # a long value's continuation
        skipping = False
        kept.append(line)
    if "".join(kept) != text:
        answers_file.write_text("".join(kept), "utf-8")


def _repository_of(path: Path) -> Path | None:
    for folder in (path.resolve(), *path.resolve().parents):
        if (folder / ".git").exists():
            return folder
    return None
