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
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from keras_scaffold import __version__, writer
from keras_scaffold.answers import ANSWER_KEYS, OPTIONAL_ANSWER_KEYS, check_answers
from keras_scaffold.errors import (
    AnswersError,
    OutputError,
    ScaffoldError,
    shown,
)
from keras_scaffold.formatting import black_version
from keras_scaffold.patterns import SafeLoader
from keras_scaffold.render import Rendered

RECORDS_DIR = ".keras-scaffold"
# The checks every test file of a folder shares, generated with each component.
CHECKS_MODULE = "keras_scaffold_checks.py"
# What the layers of a folder share, generated with each component's module.
SUPPORT_MODULE = "keras_scaffold_support.py"
# The files every component of a folder generates alike.
SHARED_MODULES = (CHECKS_MODULE, SUPPORT_MODULE)
# No record keras-scaffold writes comes near this size (an answers file is about
# 1 KB, a merge base a generated module): a larger file is tampered with, or a
# device, and is not read.
MAX_RECORD_BYTES = 1 << 20
# What an answers file's YAML may stand for once its aliases (`*name`) are
# expanded, and how deeply it may nest: far above a real one, far below an alias
# bomb (a few lines standing for 10**9 values).
MAX_YAML_NODES = 10_000
MAX_YAML_DEPTH = 20
_RESTORE = "restore it from version control"

# The answers' keys are `answers`'s, and importable from here too.
__all__ = [
    "ANSWER_KEYS",
    "CHECKS_MODULE",
    "MAX_RECORD_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "OPTIONAL_ANSWER_KEYS",
    "RECORDS_DIR",
    "SHARED_MODULES",
    "SUPPORT_MODULE",
    "Record",
    "answers_relpath",
    "base_dir",
    "base_files",
    "base_relpath",
    "check_folder",
    "check_records",
    "digest_relpath",
    "digest_text",
    "find_records",
    "find_root",
    "fingerprint",
    "load_yaml",
    "read_record",
    "read_record_text",
    "record_files",
]


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
    records = {digest_relpath(module_name): digest_text(fingerprint)}
    for relpath, text in rendered.files.items():
        if not relpath.startswith(f"{RECORDS_DIR}/"):
            records[base_relpath(module_name, relpath)] = text
    return records


def digest_text(fingerprint: str) -> str:
    """The digest file: the fingerprint of the templates and answers that gave the
    merge base."""
    return fingerprint + "\n"


@dataclass(frozen=True)
class Record:
    """One recorded component in the destination `root`."""

    root: Path
    answers_path: Path
    answers: dict
    # The templates it was made from, relative to `root` (`answers._binding_src_path`).
    src_path: str | None
    text: str = ""  # the answers file as read

    @property
    def module_name(self) -> str:
        return self.answers["module_name"]

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def read_digest(self) -> str | None:
        """The recorded fingerprint. (An older keras-scaffold listed each file's
        digest before formatting on the lines after it: they are read past.)"""
        path = self.root / digest_relpath(self.module_name)
        if not path.is_file():
            return None
        return (read_record_text(path).splitlines() or [""])[0]


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds `.keras-scaffold/`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / RECORDS_DIR).is_dir():
            return folder
    return None


def read_record(answers_path: Path) -> Record:
    """Read and check one answers file; a broken one is an `AnswersError`."""
    _check_entry(answers_path.parent, folder=True)
    root = answers_path.parent.resolve().parent
    check_records(root, answers_path.name.removesuffix(".yml"))
    text = read_record_text(answers_path)
    data = load_yaml(text, answers_path)
    if not isinstance(data, dict):
        raise AnswersError(
            f"{answers_path} does not hold answers (a YAML mapping); {_RESTORE}."
        )
    try:
        answers, src_path = check_answers(data)
        for key in ("module_dir", "tests_dir"):
            check_folder(root, answers[key], f"`{key}`")
    except ScaffoldError as error:
        raise AnswersError(f"{answers_path}: {error}") from error
    if answers_path.name != f"{answers['module_name']}.yml":
        raise AnswersError(
            f"{answers_path} records module `{answers['module_name']}`; the file "
            f"must be named {answers['module_name']}.yml."
        )
    return Record(root, answers_path, answers, src_path, text)


def read_record_text(path: Path) -> str:
    """A file of the records, as text: never through a symbolic link, never a
    special file, never past `MAX_RECORD_BYTES`."""
    try:
        return writer.read_bytes(path, MAX_RECORD_BYTES, follow_links=False).decode(
            "utf-8"
        )
    except UnicodeDecodeError as error:
        raise AnswersError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); "
            f"{_RESTORE}."
        ) from None
    except OutputError as error:
        raise AnswersError(f"{error} {_RESTORE.capitalize()}.") from None
    except OSError as error:
        raise AnswersError(f"cannot read {path}: {error.strerror or error}") from None


def check_records(root: Path, module_name: str) -> None:
    """Refuse a component's records that would lead a write, a delete or a read
    elsewhere, or that no reader should open: a symbolic link anywhere in them
    (the records folder too), a FIFO, device or socket, a file larger than any
    record. Checked before anything is read from or written into them."""
    _check_entry(root / RECORDS_DIR, folder=True)
    _check_entry(root / answers_relpath(module_name), folder=False)
    base = root / base_dir(module_name)
    if _check_entry(base, folder=True):
        for folder, folders, files in os.walk(base):
            for name in folders:
                _check_entry(Path(folder, name), folder=True)
            for name in files:
                _check_entry(Path(folder, name), folder=False)


def _check_entry(path: Path, folder: bool) -> bool:
    """Whether `path` exists, as a real folder (or regular file, not too large)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise AnswersError(f"cannot read {path}: {error.strerror or error}") from None
    if stat.S_ISLNK(info.st_mode):
        raise AnswersError(
            f"{path} is a symbolic link; keras-scaffold never follows one inside "
            f"{RECORDS_DIR}/, where it writes and deletes: put the record itself "
            "there (from version control)."
        )
    if folder and not stat.S_ISDIR(info.st_mode):
        raise AnswersError(f"{path} is not a folder; {_RESTORE}.")
    if not folder and not stat.S_ISREG(info.st_mode):
        raise AnswersError(
            f"{path} is not a regular file (a FIFO, device or socket, which "
            f"keras-scaffold does not read); {_RESTORE}."
        )
    if not folder and info.st_size > MAX_RECORD_BYTES:
        raise AnswersError(
            f"{path} is {info.st_size} bytes, more than any record keras-scaffold "
            f"writes ({MAX_RECORD_BYTES} at most); {_RESTORE}."
        )
    return True


def base_files(root: Path, module_name: str) -> dict[str, Path]:
    """The merge base files of a component (`*.orig`) by the relative path of the
    file each is the base of (`check_records` has checked them)."""
    base = root / base_dir(module_name)
    found = {}
    for folder, _, files in os.walk(base):
        for name in files:
            path = Path(folder, name)
            if name.endswith(".orig"):
                found[path.relative_to(base).as_posix().removesuffix(".orig")] = path
    return dict(sorted(found.items()))


def load_yaml(text: str, where: Path) -> object:
    """Safe YAML, refused in one line when its aliases expand past
    `MAX_YAML_NODES` values, it nests past `MAX_YAML_DEPTH`, or a mapping gives a
    key twice (which Copier and the round-trip loader refuse)."""
    loader = None
    try:
        loader = SafeLoader(text)  # which reads the text's first characters
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node(node, where, 0, {}, set())
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise AnswersError(
            f"{where} is not valid YAML ({shown(_first_line(error), 80)}); {_RESTORE}."
        ) from None
    except (ValueError, RecursionError) as error:  # a date out of range, 10**5000
        raise AnswersError(
            f"{where} holds a value that cannot be read ({shown(error, 80)}); "
            f"{_RESTORE}."
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_node(
    node: yaml.Node, where: Path, depth: int, sizes: dict, open_: set
) -> int:
    """How many values `node` stands for, aliases expanded (each counted once)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_ or depth > MAX_YAML_DEPTH:
        raise AnswersError(
            f"{where} nests its values more than {MAX_YAML_DEPTH} deep, or holds "
            f"a value that contains itself; {_RESTORE}."
        )
    open_.add(key)
    total = 1
    if isinstance(node, yaml.MappingNode):
        lines: dict[tuple, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and not key_node.tag.endswith(
                ":merge"
            ):
                name = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if name in lines:
                    raise AnswersError(
                        f"{where}: `{shown(key_node.value)}` is given twice (lines "
                        f"{lines[name]} and {line}); keep one, then run again."
                    )
                lines[name] = line
            total += _check_node(key_node, where, depth + 1, sizes, open_)
            total += _check_node(value_node, where, depth + 1, sizes, open_)
            if total > MAX_YAML_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _check_node(item, where, depth + 1, sizes, open_)
            if total > MAX_YAML_NODES:
                break
    open_.discard(key)
    if total > MAX_YAML_NODES:
        raise AnswersError(
            f"{where} stands for more than {MAX_YAML_NODES} values once its "
            f"aliases (*name) are expanded; {_RESTORE}."
        )
    sizes[key] = total
    return total


def check_folder(
    root: Path, folder: str, what: str, error: type[ScaffoldError] = AnswersError
) -> None:
    """Refuse a folder setting that is absolute, or that resolves outside `root`
    or inside its records: generating must never write there."""
    path = Path(folder)
    if (
        not folder
        or not folder.isprintable()
        or path.is_absolute()
        or path.drive
        or "\\" in folder
    ):
        raise error(
            f"{what} is {shown(folder)!r}; it must be a folder relative to {root}."
        )
    try:
        resolved = (root / path).resolve()
    except (OSError, RuntimeError) as problem:  # a symlink loop, a name too long
        raise error(f"{what} {folder!r} cannot be resolved: {problem}") from None
    records = (root / RECORDS_DIR).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise error(
            f"{what} is {folder!r}, outside {root}; nothing is written outside the "
            "folder that holds .keras-scaffold/."
        )
    if resolved.is_relative_to(records):
        raise error(
            f"{what} is {folder!r}, inside {RECORDS_DIR}/; generated files never "
            "go into the records."
        )


def find_records(root: Path) -> list[Record]:
    """Every component recorded under `root`."""
    return [read_record(path) for path in sorted((root / RECORDS_DIR).glob("*.yml"))]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
