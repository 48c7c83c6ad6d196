"""A template folder, read once per command: its patterns, digest and renderer."""

import hashlib
import os
from functools import cached_property
from pathlib import Path

from keras_scaffold.errors import TemplateError
from keras_scaffold.patterns import Pattern, get_pattern, load_patterns
from keras_scaffold.render import ComponentTemplate


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
        patterns = load_patterns(self.root)
        if not patterns:
            raise TemplateError(
                f"{self.root} holds no patterns (folders with a pattern.yml); "
                "give --templates a keras-scaffold template folder."
            )
        return patterns

    def pattern(self, name: str) -> Pattern:
        return get_pattern(name, self.patterns)

    @cached_property
    def digest(self) -> str:
        """A hash of every component template file (the project template aside):
        any edit that can change a component changes it."""
        digest = hashlib.sha256()
        for path in sorted(self.root.rglob("*")):
            parts = path.relative_to(self.root).parts
            if path.is_file() and parts[0] != "project" and "__pycache__" not in parts:
                digest.update(path.relative_to(self.root).as_posix().encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()

    def src_path_from(self, destination: Path) -> str:
        """The `_src_path` to record for a destination: relative to it when both are
        in one repository (so the record holds no machine's path), else absolute."""
        repository = _repository_of(self.root)
        if repository is not None and repository == _repository_of(destination):
            return os.path.relpath(self.root, destination.resolve())
        return str(self.root)

    @cached_property
    def component(self) -> ComponentTemplate:
        return ComponentTemplate(self.root)


def _repository_of(path: Path) -> Path | None:
    for folder in (path.resolve(), *path.resolve().parents):
        if (folder / ".git").exists():
            return folder
    return None
