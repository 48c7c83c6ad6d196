"""Removing a component: its generated files, its record and merge base, and its
export line, as long as the user has not changed the files since they were
generated (the merge base says what was generated; for a component without one,
made by plain `copier copy`, what its answers give now)."""

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from keras_scaffold import writer
from keras_scaffold.component import generated_paths
from keras_scaffold.errors import OutputError, RemoveError, ScaffoldError
from keras_scaffold.exports import remove_export
from keras_scaffold.patterns import ADOPTED
from keras_scaffold.records import (
    CHECKS_MODULE,
    RECORDS_DIR,
    SUPPORT_MODULE,
    Record,
    answers_relpath,
    base_dir,
    base_relpath,
    find_records,
    find_root,
)
from keras_scaffold.regenerate import fresh_files, select_records
from keras_scaffold.templates import Templates


@dataclass
class Removal:
    """What removing one component deletes, updates and keeps."""

    record: Record
    deletions: list[Path] = field(default_factory=list)  # files, then the records
    base: Path | None = None  # the merge base folder, removed whole
    updates: list[writer.PlannedFile] = field(default_factory=list)  # __init__.py
    kept: list[tuple[Path, str]] = field(default_factory=list)  # (file, because)

    def shown(self) -> list[tuple[str, Path, str]]:
        """(action, path, note) for each line to print: the merge base folder
        after the answers file."""
        lines = [("remove", path, "") for path in self.deletions]
        if self.base is not None:
            lines.append(("remove", self.base, ""))
        lines += [("update", item.path, "") for item in self.updates]
        return lines + [("keep", path, f"({why})") for path, why in self.kept]


def find_component(name_or_path: str, cwd: Path) -> Record:
    """The one component named by a class name, module name, answers file,
    generated file, or folder holding a single component."""
    path = cwd / name_or_path
    if path.exists():
        records = select_records([path], cwd)
        if len(records) != 1:
            names = ", ".join(record.module_name for record in records)
            raise RemoveError(
                f"{name_or_path} belongs to {len(records)} components ({names}); "
                "name one by its class or answers file."
            )
        return records[0]
    root = find_root(cwd)
    if root is None:
        raise RemoveError(
            f"`{name_or_path}` is not a file, and there is no {RECORDS_DIR}/ in "
            f"{cwd} or above to look it up in."
        )
    records = find_records(root)
    for record in records:
        if name_or_path in (record.module_name, record.answers["class_name"]):
            return record
    known = ", ".join(str(record.answers["class_name"]) for record in records)
    raise RemoveError(
        f"no component `{name_or_path}` is recorded in {root / RECORDS_DIR}"
        + (f" (components: {known})." if known else ".")
    )


def plan(
    record: Record,
    templates_of: Callable[[Record], Templates],
    force: bool = False,
) -> Removal:
    """Everything removing `record` does; raises, deleting nothing, when a file was
    changed since it was generated (unless `force`).

    What is deleted is what the component's answers say it generated (the paths
    the templates that made it, `templates_of(record)`, give them inside the
    destination, less those its `exclude` answer leaves out), never what its merge
    base happens to name; the merge base only tells whether a file changed."""
    removal = Removal(record)
    templates = templates_of(record)
    paths = generated_paths(templates, record.answers)
    # What each generated file held (its merge base, or with none, what the
    # answers give now; None: unknown), by the paths the answers give. A `.orig`
    # for any other path is never read.
    bases = {
        relpath: record.path(base_relpath(record.module_name, relpath))
        for relpath in paths
    }
    bases = {relpath: path for relpath, path in bases.items() if path.is_file()}
    without_base = not bases
    generated: dict[str, Path | bytes | None]
    if without_base:  # made by plain `copier copy`, or its base was lost
        generated = _generated_by_the_answers(record, templates, force)
    else:
        generated = {relpath: bases.get(relpath) for relpath in paths}
    # The files other components generate too (the tests' checks module), by the
    # paths their answers give with their own templates (what their merge bases
    # name is no evidence).
    others = {
        other.module_name: set(generated_paths(templates_of(other), other.answers))
        for other in find_records(record.root)
        if other.module_name != record.module_name
    }
    # Never through a link out of the project, --force or not.
    init = record.path(f"{record.answers['module_dir']}/__init__.py")
    writer.check_targets(
        record.root,
        [*(record.path(relpath) for relpath in generated), init],
        "Nothing was removed.",
        links_inside=True,
    )
    changed = []
    for relpath in generated:
        path = record.path(relpath)
        sharers = [name for name, theirs in others.items() if relpath in theirs]
        if sharers:
            removal.kept.append((path, f"also generated by {', '.join(sharers)}"))
            continue
        if path.is_symlink():
            # A link is not the file keras-scaffold generated (git would say it
            # changed): only --force removes it, the link, never what it points to.
            changed.append(f"{path} (a symbolic link)")
            removal.deletions.append(path)
            continue
        if not path.is_file():
            continue  # already deleted or moved by the user
        if not _same(path, generated[relpath]):
            changed.append(str(path))
        removal.deletions.append(path)
    if changed and not force:
        since = (
            " (it has no merge base: they differ from what its answers give)"
            if without_base
            else ""
        )
        raise RemoveError(
            f"{', '.join(changed)} changed since keras-scaffold generated "
            f"{'it' if len(changed) == 1 else 'them'}{since}; nothing was removed "
            "(use --force to remove anyway)."
        )
    removal.deletions.append(record.path(answers_relpath(record.module_name)))
    base = record.root / base_dir(record.module_name)
    removal.base = base if base.is_dir() else None
    if init.is_file():
        before = writer.read_text(init)
        text = writer.to_lf(before)
        after = remove_export(
            text, record.module_name, str(record.answers["class_name"]), init
        )
        if after != text:
            writer.check_target(record.root, init, "Nothing was removed.")
            removal.updates.append(
                writer.PlannedFile(
                    init,
                    after,
                    True,
                    expected=before.encode("utf-8"),
                    newline=writer.newline_of(before, init),
                )
            )
    return removal


def _generated_by_the_answers(
    record: Record, templates: Templates, force: bool
) -> dict[str, bytes | None]:
    """A component without a merge base: the files its answers give now, to tell
    whether its files changed. With --force, where they cannot be rendered (its
    pattern gone from the templates), the files the component template writes,
    unknown."""
    try:
        return {
            relpath: text.encode("utf-8")
            for relpath, text in fresh_files(record, templates).items()
        }
    except ScaffoldError:
        if not force:
            raise
    answers = record.answers
    guessed = [
        f"{answers['module_dir']}/{record.module_name}.py",
        f"{answers['tests_dir']}/test_{record.module_name}.py",
        f"{answers['tests_dir']}/{CHECKS_MODULE}",
        f"{answers['module_dir']}/{SUPPORT_MODULE}",
    ]
    if answers["pattern"] == ADOPTED:
        guessed = guessed[1:3]  # an adopted class's module is the user's
    excluded = answers.get("exclude", [])
    guessed = [PurePosixPath(path).as_posix() for path in guessed]  # no `./`
    return dict.fromkeys(path for path in guessed if path not in excluded)


def _same(path: Path, generated: Path | bytes | None) -> bool:
    """Whether the file at `path` holds what was generated there: its merge base
    file, or the bytes the answers give (the sizes first: a huge file is not read
    to tell). Unknown (None) is never the same."""
    if generated is None:
        return False
    if isinstance(generated, Path):
        if path.stat().st_size != generated.stat().st_size:
            return False
        generated = generated.read_bytes()
    elif path.stat().st_size != len(generated):
        return False
    return path.read_bytes() == generated


def apply(removal: Removal) -> None:
    """Update the exports, then delete the files, the record and the merge base,
    and the folders that deleting them left empty."""
    writer.write(removal.updates)
    try:
        for path in removal.deletions:
            path.unlink(missing_ok=True)
        if removal.base is not None:
            shutil.rmtree(removal.base)
    except OSError as error:
        raise OutputError(
            f"cannot remove {error.filename}: {error.strerror or error}"
        ) from error
    root = removal.record.root.resolve()
    folders = {path.parent for path in removal.deletions}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        folder = folder.resolve()
        while folder != root and folder.is_relative_to(root):
            if any(folder.iterdir()):
                break
            folder.rmdir()
            folder = folder.parent
