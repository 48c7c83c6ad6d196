"""Records: what a destination keeps in `.keras-scaffold/` to render components again.

For a component whose module is `my_block`:

    .keras-scaffold/my_block.yml               its Copier answers file
    .keras-scaffold/my_block.base/digest       fingerprint of what produced the base,
                                               and a digest of each file's source
    .keras-scaffold/my_block.base/<path>.orig  each generated file as generated (the
                                               merge base), before the user touched it
    .keras-scaffold/my_block.base/<path>.theirs  a newer generation that conflicted,
                                               adopted as the base once resolved
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from keras_scaffold import __version__
from keras_scaffold.errors import AnswersError
from keras_scaffold.patterns import SafeLoader
from keras_scaffold.render import Rendered, black_version

RECORDS_DIR = ".keras-scaffold"
# The checks every test file of a folder shares, generated with each component.
CHECKS_MODULE = "keras_scaffold_checks.py"
# Answers keras-scaffold writes and reads back; Copier adds `_src_path`/`_commit`.
ANSWER_KEYS = (
    "pattern",
    "class_name",
    "module_name",
    "package",
    "module_dir",
    "tests_dir",
    "module_import",
    "params",
    "keras_scaffold_version",
)
# Answers only some components have: an adopted class's settings (`adopt`).
OPTIONAL_ANSWER_KEYS = ("adopted",)


def answers_relpath(module_name: str) -> str:
    return f"{RECORDS_DIR}/{module_name}.yml"


def base_dir(module_name: str) -> str:
    return f"{RECORDS_DIR}/{module_name}.base"


def digest_relpath(module_name: str) -> str:
    return f"{base_dir(module_name)}/digest"


def base_relpath(module_name: str, relpath: str, suffix: str = ".orig") -> str:
    return f"{base_dir(module_name)}/{relpath}{suffix}"


def fingerprint(templates_digest: str, answers: dict) -> str:
    """What determines a component's files: equal fingerprints, equal files."""
    material = {
        "templates": templates_digest,
        "keras_scaffold": __version__,
        "black": black_version(),
        "answers": answers,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def record_files(answers: dict, rendered: Rendered, fingerprint: str) -> dict[str, str]:
    """The base and digest files that go with a freshly generated component."""
    module_name = answers["module_name"]
    records = {digest_relpath(module_name): digest_text(fingerprint, rendered)}
    for relpath, text in rendered.files.items():
        if not relpath.startswith(f"{RECORDS_DIR}/"):
            records[base_relpath(module_name, relpath)] = text
    return records


def digest_text(fingerprint: str, rendered: Rendered) -> str:
    """The digest file: the fingerprint, then each file's digest before formatting."""
    lines = [fingerprint]
    lines += [f"{digest} {relpath}" for relpath, digest in rendered.sources.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Record:
    """One recorded component in the destination `root`."""

    root: Path
    answers_path: Path
    answers: dict
    src_path: str | None

    @property
    def module_name(self) -> str:
        return self.answers["module_name"]

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def read_digest(self) -> tuple[str | None, dict[str, str]]:
        """The recorded fingerprint, and each file's digest before formatting."""
        path = self.root / digest_relpath(self.module_name)
        if not path.is_file():
            return None, {}
        fingerprint, *lines = path.read_text("utf-8").splitlines() or [""]
        sources = dict(reversed(line.split(" ", 1)) for line in lines if " " in line)
        return fingerprint, sources


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds `.keras-scaffold/`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / RECORDS_DIR).is_dir():
            return folder
    return None


def read_record(answers_path: Path) -> Record:
    """Read and check one answers file; a broken one is an `AnswersError`."""
    root = answers_path.resolve().parent.parent
    try:
        data = yaml.load(answers_path.read_text("utf-8"), SafeLoader)
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersError(f"cannot read {answers_path}: {error}") from error
    except yaml.YAMLError as error:
        raise AnswersError(
            f"{answers_path} is not valid YAML ({_first_line(error)}); restore it "
            "from version control."
        ) from error
    if not isinstance(data, dict):
        raise AnswersError(
            f"{answers_path} does not hold answers (a YAML mapping); restore it "
            "from version control."
        )
    missing = [key for key in ANSWER_KEYS if key not in data]
    if missing:
        raise AnswersError(
            f"{answers_path} lacks {', '.join(missing)}; restore it from version "
            "control."
        )
    answers = {key: data[key] for key in ANSWER_KEYS}
    for key, value in answers.items():
        expected = list if key == "params" else str
        if not isinstance(value, expected):
            raise AnswersError(
                f"{answers_path}: `{key}` must be a "
                f"{'list' if expected is list else 'string'}, not "
                f"{type(value).__name__} ({value!r}); restore it from version "
                "control."
            )
    src_path = data.get("_src_path")
    for key, value in {**answers, "_src_path": src_path or ""}.items():
        if isinstance(value, str) and not value.isprintable():
            raise AnswersError(
                f"{answers_path}: `{key}` is {value!r}, which holds a character "
                "that cannot be printed; restore it from version control."
            )
    if src_path is not None and not isinstance(src_path, str):
        raise AnswersError(
            f"{answers_path}: `_src_path` must be a string, not "
            f"{type(src_path).__name__}; restore it from version control."
        )
    for key in ("module_dir", "tests_dir"):
        check_folder(root, answers[key], f"{answers_path}: `{key}`")
    answers.update({key: data[key] for key in OPTIONAL_ANSWER_KEYS if key in data})
    if answers_path.name != f"{answers['module_name']}.yml":
        raise AnswersError(
            f"{answers_path} records module `{answers['module_name']}`; the file "
            f"must be named {answers['module_name']}.yml."
        )
    return Record(root, answers_path, answers, src_path)


def check_folder(root: Path, folder: str, what: str) -> None:
    """Refuse a recorded folder that is absolute, or that resolves outside `root`
    or inside its records: regenerating must never write there."""
    path = Path(folder)
    if not folder or path.is_absolute() or path.drive or "\\" in folder:
        raise AnswersError(
            f"{what} is {folder!r}; it must be a folder relative to {root}."
        )
    try:
        resolved = (root / path).resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop, a name too long
        raise AnswersError(f"{what} {folder!r} cannot be resolved: {error}") from None
    records = (root / RECORDS_DIR).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise AnswersError(
            f"{what} is {folder!r}, outside {root}; nothing is written outside the "
            "folder that holds .keras-scaffold/."
        )
    if resolved.is_relative_to(records):
        raise AnswersError(
            f"{what} is {folder!r}, inside {RECORDS_DIR}/; generated files never "
            "go into the records."
        )


def find_records(root: Path) -> list[Record]:
    """Every component recorded under `root`."""
    return [read_record(path) for path in sorted((root / RECORDS_DIR).glob("*.yml"))]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
