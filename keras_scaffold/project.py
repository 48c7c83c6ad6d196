"""Projects: the `[tool.keras-scaffold]` settings of a package of layers, and where
`new` puts each file inside it."""

import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from keras_scaffold import writer
from keras_scaffold.errors import OutputError, ProjectError, shown
from keras_scaffold.names import check_package_name, package_from_location
from keras_scaffold.records import check_folder
from keras_scaffold.reserved import shadowed_module

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SETTINGS = ("package", "layers", "models", "tests")
# Optional: the template folder (relative to the project) `--templates` named once.
TEMPLATES = "templates"
# The project template's question: how its `dev` extra installs keras-scaffold.
REQUIREMENT = "keras_scaffold_requirement"
# Optional: whether `new` gives a class quantization and sharding support (true).
QUANTIZE_SHARD = "quantize-shard"


@dataclass(frozen=True)
class Project:
    """A project made by `keras-scaffold init` (or any with the same settings)."""

    root: Path
    package: str  # the registration package
    layers: str  # folders relative to the root
    models: str
    tests: str
    templates: str | None = None  # the recorded template folder, if any
    quantize_shard: bool = True  # `new`'s default for --quantize-shard

    def module_dir(self, kind: str) -> str:
        return self.models if kind == "model" else self.layers

    def import_prefix(self, kind: str) -> str:
        """`mylayers.layers.` for a module written to src/mylayers/layers/."""
        return package_from_location(self.root / self.module_dir(kind)) + "."

    def templates_folder(self) -> Path | None:
        """The recorded template folder, checked to be one; None if none is."""
        if self.templates is None:
            return None
        folder = self.root / self.templates
        if not folder.is_dir():
            raise ProjectError(
                f"{self.root / 'pyproject.toml'} [tool.keras-scaffold] "
                f"{TEMPLATES} = {self.templates!r} is not a folder; give the "
                "template folder relative to the project, or remove the line to "
                "use the built-in templates."
            )
        return folder


def find_project(start: Path) -> Project | None:
    """The project whose pyproject.toml, at or above `start`, has the settings."""
    start = start.resolve()
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            settings = _read_settings(pyproject)
            # Only `[tool.keras-scaffold.check]` (check's settings for any code):
            # not a project of `init`'s, so `new` writes beside the caller.
            if settings is not None and set(settings) & {*SETTINGS, TEMPLATES}:
                return _project(folder, settings, pyproject)
    return None


def _read_settings(pyproject: Path) -> dict | None:
    try:
        text = writer.read_bytes(pyproject, writer.MAX_TEXT_BYTES).decode("utf-8")
        data = tomllib.loads(text)
    except OutputError as error:
        raise ProjectError(str(error)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProjectError(f"cannot read {pyproject}: {error}") from error
    tool = data.get("tool", {})
    settings = tool.get("keras-scaffold") if isinstance(tool, dict) else None
    for key, value in (("tool", tool), ("tool.keras-scaffold", settings)):
        if value is not None and not isinstance(value, dict):
            raise ProjectError(
                f"{pyproject}: `{key}` is {shown(value)}, not a table; write the "
                "settings as [tool.keras-scaffold] with package, layers, models "
                "and tests."
            )
    return settings


def _project(root: Path, settings: dict, pyproject: Path) -> Project:
    missing = [key for key in SETTINGS if not isinstance(settings.get(key), str)]
    if missing:
        raise ProjectError(
            f"{pyproject} [tool.keras-scaffold] needs {', '.join(missing)} "
            '(strings, such as layers = "src/mylayers/layers").'
        )
    templates = settings.get(TEMPLATES)
    if templates is not None and not (
        isinstance(templates, str) and templates and templates.isprintable()
    ):
        raise ProjectError(
            f"{pyproject} [tool.keras-scaffold] {TEMPLATES} must be a folder's path "
            f"(a string), not {templates!r}."
        )
    quantize_shard = settings.get(QUANTIZE_SHARD, True)
    if not isinstance(quantize_shard, bool):
        raise ProjectError(
            f"{pyproject} [tool.keras-scaffold] {QUANTIZE_SHARD} must be true or "
            f"false, not {shown(quantize_shard)}."
        )
    project = Project(
        root,
        **{key: settings[key] for key in SETTINGS},
        templates=templates,
        quantize_shard=quantize_shard,
    )
    check_package_name(project.package)
    for key in ("layers", "models", "tests"):
        # Inside the project, never in its records.
        what = f"{pyproject}: `{key}`"
        check_folder(root, getattr(project, key), what, ProjectError)
    return project


def record_templates(project: Project, folder: Path | None) -> list[Path]:
    """Record `folder` as the project's templates, relative to the project (None:
    the built-in ones, recorded as no setting); returns the files written. Only
    that line of pyproject.toml changes (tomlkit keeps the rest as it is)."""
    import tomlkit

    from keras_scaffold import writer

    value = (
        None
        if folder is None
        else Path(os.path.relpath(folder.resolve(), project.root.resolve())).as_posix()
    )
    if value == project.templates:
        return []
    pyproject = project.root / "pyproject.toml"
    before = writer.read_text(pyproject)
    document = tomlkit.parse(before)
    table = document["tool"]["keras-scaffold"]
    if value is None:
        table.pop(TEMPLATES, None)
    else:
        table[TEMPLATES] = value
    after = tomlkit.dumps(document)
    writer.write(
        [
            writer.PlannedFile(
                pyproject,
                after.replace("\r\n", "\n"),
                True,
                expected=before.encode("utf-8"),
                newline=writer.newline_of(before),
            )
        ]
    )
    return [pyproject]


def init_project(
    template: Path, directory: Path, data: dict[str, object], force: bool = False
) -> list[Path]:
    """Start a project from the project template with Copier itself, so the files
    are exactly those of `copier copy`; returns the files written."""
    import copier  # slow to import; only `init` needs it
    import yaml

    if directory.exists() and not directory.is_dir():
        raise ProjectError(f"{directory} is a file; give a folder for the project.")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ProjectError(
            f"{directory} is not empty; nothing was written (use --force to write "
            "into it, replacing files the template also makes)."
        )
    questions = {
        key
        for key in yaml.safe_load((template / "copier.yml").read_text("utf-8"))
        if not key.startswith("_")
    }
    unknown = sorted(set(data) - questions)
    if unknown:
        raise ProjectError(
            f"unknown answer {', '.join(unknown)}; the questions are "
            f"{', '.join(sorted(questions))}."
        )
    if REQUIREMENT in questions:  # keras-scaffold from where this one came from
        data = {REQUIREMENT: installed_requirement(), **data}
    made = _missing_folders(directory)
    before = {path: path.read_bytes() for path in _files(directory)}
    folders = _folders(directory)
    try:
        with warnings.catch_warnings():  # Copier warns of its own cleanup
            warnings.simplefilter("ignore")
            copier.run_copy(
                str(template),
                directory,
                data=data,
                defaults=True,
                overwrite=force,
                quiet=True,
                unsafe=False,
            )
        _check_package(directory)
    except BaseException as error:  # an interrupt too: leave the folder as it was
        _roll_back(directory, before, folders, made)
        if isinstance(error, OSError):
            where = f"{error.filename}: " if error.filename else ""
            raise ProjectError(
                f"{where}{error.strerror or error}; nothing was written."
            ) from error
        if isinstance(error, (ValueError, TypeError, copier.errors.CopierError)):
            message = " ".join(str(error).split())
            raise ProjectError(f"{message} Nothing was written.") from error
        raise
    return sorted(path for path in _files(directory) if path not in before or force)


def _check_package(directory: Path) -> None:
    """Refuse the package Copier worked out (from --data, or from the folder's
    name) where importing it would import another module, or the other module
    this one: the standard library's, or one Keras and its tests import."""
    import yaml

    answers = yaml.safe_load((directory / ".copier-answers.yml").read_text("utf-8"))
    package = str((answers or {}).get("package_name", ""))
    if shadowed_module(package):
        raise ProjectError(
            f"the package `{package}` would shadow Python's or a dependency's "
            f"`{package}`; choose another name with --data package_name=NAME. "
            "Nothing was written."
        )


def _missing_folders(directory: Path) -> list[Path]:
    """`directory` and the parents of it that do not exist, outermost first."""
    missing = []
    folder = directory.absolute()
    while not folder.exists() and folder.parent != folder:
        missing.insert(0, folder)
        folder = folder.parent
    return missing


def _roll_back(
    directory: Path, before: dict[Path, bytes], folders: set[Path], made: list[Path]
) -> None:
    """Remove what a failed `init` wrote, restore what it replaced, and remove
    the folders it made."""
    if made:
        shutil.rmtree(made[0], ignore_errors=True)
        return
    for path in _files(directory):
        if path not in before:
            path.unlink(missing_ok=True)
        elif path.read_bytes() != before[path]:
            path.write_bytes(before[path])
    for folder in sorted(_folders(directory), key=lambda p: len(p.parts), reverse=True):
        if folder not in folders:
            try:
                folder.rmdir()
            except OSError:
                pass


def _folders(directory: Path) -> set[Path]:
    if not directory.is_dir():
        return set()
    return {path for path in directory.rglob("*") if path.is_dir()}


def _files(directory: Path) -> set[Path]:
    if not directory.is_dir():
        return set()
    return {path for path in directory.rglob("*") if path.is_file()}


def installed_requirement() -> str:
    """The pip requirement that installs the running keras-scaffold where it was
    installed from, as pip recorded it (PEP 610's `direct_url.json`): a folder or
    archive by its URL, a git checkout by its commit; the package index's
    `keras-scaffold>=VERSION` where it came from an index, or is not installed."""
    import json
    from importlib import metadata

    from keras_scaffold import __version__

    from_index = f"keras-scaffold>={__version__}"
    try:
        recorded = metadata.distribution("keras-scaffold").read_text("direct_url.json")
        direct = json.loads(recorded) if recorded else None
    except (metadata.PackageNotFoundError, ValueError, OSError):
        return from_index
    if not isinstance(direct, dict) or not isinstance(direct.get("url"), str):
        return from_index
    url = direct["url"]
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        url = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    if not url.isprintable() or " " in url:
        return from_index  # one line of pyproject.toml, and pip reads no space
    return f"keras-scaffold @ {url}"
