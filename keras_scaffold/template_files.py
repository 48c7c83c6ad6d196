"""A template folder's files, listed once and each read once: what is digested is
what is rendered.

A command reads a template file for two things: Jinja renders its text, and a
digest of it goes into the component's records (the fingerprint in its digest
file) and into the cache's entries (the templates a cached file loaded). Read
twice, a file saved in between (an editor, a `git checkout`) would be recorded
as rendered when its old text was, and `regenerate` would then say "up to date"
and the cache serve the old text. Read once, here, the fingerprint and every
digest are of the very bytes Jinja rendered, whenever each is taken.
"""

import hashlib
from pathlib import Path, PurePosixPath

from jinja2 import FileSystemLoader, TemplateNotFound
from jinja2.loaders import split_template_path


class TemplateFiles:
    """The files under `root`, by name (their path in it, with `/`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: list[str] | None = None
        self._listed: set[str] = set()
        self._data: dict[str, bytes] = {}

    @property
    def names(self) -> list[str]:
        """Every file, in the order of its path's parts: listed once, so that the
        files a render finds are the files the fingerprint covers."""
        if self._names is None:
            self._names = [
                path.relative_to(self.root).as_posix()
                for path in sorted(self.root.rglob("*"))
                if path.is_file()
            ]
            self._listed = set(self._names)
        return self._names

    def read(self, name: str) -> bytes:
        """The bytes of file `name`, read on first use and kept (OSError where it
        cannot be read, FileNotFoundError where it was not listed)."""
        if name not in self._data:
            if name not in self._listed and name not in self.names:
                raise FileNotFoundError(f"{self.root / name} is no template file")
            self._data[name] = (self.root / name).read_bytes()
        return self._data[name]

    def fingerprint(self) -> str:
        """A hash of every component template file (the project template and
        Python's caches aside): any edit that can change a component changes it."""
        digest = hashlib.sha256()
        for name in self.names:
            parts = PurePosixPath(name).parts
            if parts[0] != "project" and "__pycache__" not in parts:
                digest.update(name.encode())
                digest.update(self.read(name))
        return digest.hexdigest()

    def template_digest(self, template: str) -> str | None:
        """The digest of the template Jinja names `template`, None where there
        is none."""
        try:
            data = self.read(template_name(template))
        except (OSError, TemplateNotFound):
            return None
        return hashlib.sha256(data).hexdigest()

    def template_text(self, template: str) -> str:
        """The text Jinja renders for `template`, as its own FileSystemLoader
        reads it (UTF-8, any line ending read as `\\n`)."""
        data = self.read(template_name(template))
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def template_name(template: str) -> str:
    """A Jinja template name as a file's name (`./a//b` is `a/b`; `..` is none)."""
    return "/".join(split_template_path(template))


class FilesLoader(FileSystemLoader):
    """Jinja's file loader, giving each template the text `files` read once."""

    def __init__(self, files: TemplateFiles) -> None:
        super().__init__(str(files.root))
        self.files = files

    def get_source(self, environment, template):
        try:
            text = self.files.template_text(template)
        except FileNotFoundError:
            raise TemplateNotFound(template) from None
        filename = str(self.files.root / template_name(template))
        # The text never changes under Jinja: it is read once.
        return text, filename, lambda: True


__all__ = ["FilesLoader", "TemplateFiles", "template_name"]
