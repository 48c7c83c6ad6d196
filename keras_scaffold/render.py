"""Rendering: a component's answers through the Copier template, in memory.

This renders exactly as `copier copy` does (same Jinja environment, same settings
from `copier.yml`, same path rendering), without Copier's start-up cost, so that
dry runs, regeneration and atomic writes can work on the result before anything
touches the disk. A project test holds the two byte for byte equal.
"""

import functools
import glob
import hashlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import yaml
from jinja2 import FileSystemLoader
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from keras_scaffold import cache
from keras_scaffold.errors import TemplateError
from keras_scaffold.patterns import SafeLoader

# Copier's default extension, which brings `regex_replace`, `to_nice_yaml`, ...
_EXTENSIONS = ["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]


def _config_loader(root: Path) -> type:
    """A YAML loader that resolves `!include` globs as Copier does."""

    class Loader(SafeLoader):
        pass

    def include(loader: yaml.Loader, node: yaml.Node) -> list:
        documents = []
        for path in sorted(glob.glob(str(root / loader.construct_scalar(node)))):
            with open(path, encoding="utf-8") as file:
                documents.extend(doc for doc in yaml.load_all(file, Loader) if doc)
        return documents

    Loader.add_constructor("!include", include)
    return Loader


class ComponentTemplate:
    """The component template at `root` (the folder holding `copier.yml`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        config_file = root / "copier.yml"
        try:
            config = yaml.load(config_file.read_text("utf-8"), _config_loader(root))
        except (OSError, yaml.YAMLError) as error:
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
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(root)),
            extensions=_EXTENSIONS,
            bytecode_cache=bytecode,
            **envops,
        )
        self._path_parts: dict[str, object] = {}  # a path part's compiled template
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
        string records none. Black's output is taken from the user's cache where
        this machine formatted the same text before (`format_python`); never from
        the records, which are input (checking a recorded formatting cost more
        than formatting again).
        """
        context = self._context(answers, answers_file, src_path)
        rendered = Rendered({}, {})
        for relative, target in self._targets(context):
            try:
                text = self.env.get_template(relative).render(context)
            except JinjaError as error:
                raise TemplateError(f"cannot render {relative}: {error}") from error
            rendered.files[target] = format_python(target, text)
            rendered.sources[target] = hashlib.sha256(text.encode()).hexdigest()
        return rendered

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
        """(template, target path) of each file rendered for `context`."""
        source_root = self.root / self.subdirectory
        targets = []
        for source in sorted(source_root.rglob("*")):
            if not source.is_file():
                continue
            relative = source.relative_to(self.root).as_posix()
            try:
                target = self._render_path(source.relative_to(source_root), context)
            except JinjaError as error:
                raise TemplateError(f"cannot render {relative}: {error}") from error
            if target is not None:  # a skipped path's file is not rendered
                targets.append((relative, target))
        return targets

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
    """A component's files by path, and the digest of each before formatting."""

    files: dict[str, str]
    sources: dict[str, str]


@functools.cache
def black_version() -> str:
    """Black's version, without importing black (a fifth of a second): a command
    whose files are all known needs no black."""
    return importlib.metadata.version("black")


def format_python(path: str, text: str) -> str:
    """Black-format a generated Python file; other files are returned as they are.

    Black's output for a text is kept in the user's cache: the checks module every
    component shares is the same text each time, and black takes a tenth of a
    second or more on it."""
    if not path.endswith(".py"):
        return text
    entry = cache.key(black_version(), "default mode", text)
    formatted = cache.read("black", entry)
    if formatted is not None:
        return formatted
    import black

    mode = black.Mode()
    try:
        formatted = black.format_str(text, mode=mode)
    except black.InvalidInput as error:
        raise TemplateError(
            f"the template produced invalid Python for {path}: {error}"
        ) from error
    cache.write("black", entry, formatted)
    return formatted
