"""Rendering: a component's answers through the Copier template, in memory.

This renders exactly as `copier copy` does (same Jinja environment, same settings
from `copier.yml`, same path rendering), without Copier's start-up cost, so that
dry runs, regeneration and atomic writes can work on the result before anything
touches the disk. A project test holds the two byte for byte equal.
"""

import glob
import json
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import jinja2
import yaml
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment
from jinja2_ansible_filters import core_filters

from keras_scaffold import cache, formatting
from keras_scaffold.errors import TemplateError
from keras_scaffold.formatting import format_python
from keras_scaffold.patterns import SafeLoader
from keras_scaffold.template_files import FilesLoader, TemplateFiles

# Copier's default extension, which brings `regex_replace`, `to_nice_yaml`, ...
_EXTENSIONS = ["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]


def _config_loader(files: TemplateFiles) -> type:
    """A YAML loader that resolves `!include` globs as Copier does (the files
    read as the fingerprint reads them)."""
    root = files.root

    class Loader(SafeLoader):
        pass

    def include(loader: yaml.Loader, node: yaml.Node) -> list:
        documents = []
        for path in sorted(glob.glob(str(root / loader.construct_scalar(node)))):
            try:
                data = files.read(Path(path).relative_to(root).as_posix())
            except (ValueError, FileNotFoundError):  # outside the folder
                data = Path(path).read_bytes()
            text = data.decode("utf-8")
            documents.extend(doc for doc in yaml.load_all(text, Loader) if doc)
        return documents

    Loader.add_constructor("!include", include)
    return Loader


class _RecordingEnvironment(SandboxedEnvironment):
    """Copier's environment, noting the name of each template a render loads:
    every `get_template`, `extends`, `include` and `import` goes through
    `_load_template` (where this Jinja does not, nothing is noted and nothing
    is cached)."""

    loaded: set[str] | None = None

    def _load_template(self, name, globals):
        if self.loaded is not None:
            self.loaded.add(name)
        return super()._load_template(name, globals)


class ComponentTemplate:
    """The component template at `root` (the folder holding `copier.yml`), its
    files read through `files` (the ones its fingerprint is taken from: see
    `template_files`)."""

    def __init__(self, root: Path, files: TemplateFiles | None = None) -> None:
        self.root = root
        self.files = files if files is not None else TemplateFiles(root)
        config_file = root / "copier.yml"
        try:
            text = self.files.read("copier.yml").decode("utf-8")
            config = yaml.load(text, _config_loader(self.files))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise TemplateError(f"cannot read {config_file}: {error}") from error
        self.subdirectory = config.get("_subdirectory", "")
        self.suffix = config.get("_templates_suffix", ".jinja")
        self.questions = {k: v for k, v in config.items() if not k.startswith("_")}
        # Copier's own default for this setting is on; the rest are Jinja's.
        envops = {"keep_trailing_newline": True, **config.get("_envops", {})}
        # Compiling the templates is most of a `new`: compiled once, kept in the
        # user's cache (keyed by everything that shapes the compiled code).
        bytecode = cache.bytecode_cache(
            environment=SandboxedEnvironment.__qualname__,
            extensions=_EXTENSIONS,
            **envops,
        )
        self.env = _RecordingEnvironment(
            loader=FilesLoader(self.files),
            extensions=_EXTENSIONS,
            bytecode_cache=bytecode,
            **envops,
        )
        self._path_parts: dict[str, object] = {}  # a path part's compiled template
        self._source_list: list[tuple[str, Path]] | None = None
        # What shapes every file's output besides its templates and context.
        self._settings = cache.key(
            # Copier's filters, and how this module renders and formats.
            cache.source_digest(__file__, formatting.__file__, core_filters.__file__),
            jinja2.__version__,
            yaml.__version__,
            formatting.black_version(),
            sys.version,
            str(root),
            json.dumps(config, sort_keys=True, default=repr),
        )
        # Computed values (`when: false`) are never asked nor stored.
        self.computed = {
            name: question.get("default")
            for name, question in self.questions.items()
            if question.get("when") is False
        }

    def render(
        self, answers: dict, answers_file: str, src_path: str | None = None
    ) -> "Rendered":
        """Render every file for `answers`.

        `src_path` is the `_src_path` to record in the answers file: by default the
        template folder's absolute path, as `copier copy` records it; an empty
        string records none. A file this machine rendered before for the same
        answers and settings, from templates that have not changed since, is taken
        from the user's cache, and so is black's output for a text or method it
        formatted before (`formatting`); never from the records, which are input.
        """
        context = self._context(answers, answers_file, src_path)
        values = json.dumps(
            [answers, answers_file, context["_copier_answers"], self.computed],
            sort_keys=True,
            default=repr,
        )
        rendered = Rendered({})
        for relative, target in self._targets(context):
            entry = cache.key(self._settings, values, relative, target)
            found = self._cached_file(entry)
            if found is None:
                found = self._render_file(relative, target, context)
                cache.write("rendered", entry, json.dumps(found))
            rendered.files[target] = found["text"]
        return rendered

    def _render_file(self, relative: str, target: str, context: dict) -> dict:
        """A file rendered and formatted, with the digest of each template it
        loaded (its own, and those it extends, includes or imports)."""
        self.env.loaded = set()
        try:
            text = self.env.get_template(relative).render(context)
        except JinjaError as error:
            raise TemplateError(f"cannot render {relative}: {error}") from error
        finally:
            loaded, self.env.loaded = self.env.loaded, None
        return {
            # Of the text just rendered: `files` read each template once.
            "templates": {name: self.files.template_digest(name) for name in loaded},
            "text": format_python(target, text),
        }

    def _cached_file(self, entry: str) -> dict | None:
        """A file rendered before for the same answers and settings, if every
        template it loaded is as it was; else None."""
        text = cache.read("rendered", entry)
        if text is None:
            return None
        try:
            found = json.loads(text)
            digests = found["templates"]
            fresh = digests and all(
                self.files.template_digest(name) == digest
                for name, digest in digests.items()
            )
            if fresh and isinstance(found["text"], str):
                return found
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # a damaged entry is only rendered again
        return None

    def paths(self, answers: dict, answers_file: str) -> list[str]:
        """The files `render` gives for `answers`, by path, without rendering them."""
        context = self._context(answers, answers_file, "")
        return [target for _, target in self._targets(context)]

    def _context(self, answers: dict, answers_file: str, src_path: str | None) -> dict:
        if src_path is None:
            src_path = str(self.root)
        stored = {"_src_path": src_path, **answers} if src_path else dict(answers)
        return {
            **self.computed,
            **answers,
            "_copier_answers": stored,
            "_copier_conf": SimpleNamespace(
                answers_file=PurePosixPath(answers_file), src_path=self.root
            ),
        }

    def _targets(self, context: dict) -> list[tuple[str, str]]:
        """(template, target path) of each file rendered for `context`. A path the
        `exclude` answer names is left out, as Copier's `--exclude` leaves it out:
        the built-in templates' file names skip it too (so plain `copier copy`
        does), and templates copied before they did are held to it all the same."""
        excluded = context.get("exclude") or ()
        targets = []
        for relative, path in self._sources():
            try:
                target = self._render_path(path, context)
            except JinjaError as error:
                raise TemplateError(f"cannot render {relative}: {error}") from error
            # A skipped path's file is not rendered.
            if target is not None and target not in excluded:
                targets.append((relative, target))
        return targets

    def _sources(self) -> list[tuple[str, Path]]:
        """Each template file, as a template name and its path in the subdirectory,
        from the listing the fingerprint covers."""
        if self._source_list is None:
            inside = PurePosixPath(self.subdirectory)
            self._source_list = [
                (name, Path(PurePosixPath(name).relative_to(inside)))
                for name in self.files.names
                if PurePosixPath(name).is_relative_to(inside)
            ]
        return self._source_list

    def _render_path(self, relative: Path, context: dict) -> str | None:
        # As Copier does: the suffix goes first, then each part renders.
        sources = [*relative.parts[:-1], relative.parts[-1].removesuffix(self.suffix)]
        parts = [self._path_part(part).render(context) for part in sources]
        if not all(parts):
            return None  # Copier skips a path any part of which renders empty.
        return PurePosixPath(*parts).as_posix()

    def _path_part(self, source: str):
        if source not in self._path_parts:
            self._path_parts[source] = self.env.from_string(source)
        return self._path_parts[source]


@dataclass(frozen=True)
class Rendered:
    """A component's files, formatted, by path."""

    files: dict[str, str]
