"""Regeneration: render recorded components with the current templates, 3-way merge.

base = the recorded generation, ours = the file on disk, theirs = the new generation.
Every merge is computed before anything is written; the writes then go through
`writer`, atomically, with the merge bases advancing only where a file settled.
"""

import dataclasses
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import merge3
import yaml

from keras_scaffold import __version__, adopt, cache, workers, writer
from keras_scaffold.component import (
    check_excluded,
    generated_paths,
    make_answers,
    render,
)
from keras_scaffold.errors import AnswersError, ScaffoldError
from keras_scaffold.params import check_documented_params
from keras_scaffold.patterns import ADOPTED, SafeLoader
from keras_scaffold.records import (
    RECORDS_DIR,
    Record,
    answers_relpath,
    base_dir,
    base_files,
    base_relpath,
    digest_relpath,
    digest_text,
    find_records,
    find_root,
    fingerprint,
    read_record,
    read_record_text,
)
from keras_scaffold.templates import Templates

# The templates each component renders from: those that made it (`origins`).
TemplatesOf = Callable[[Record], Templates]

START_MARKER = "<<<<<<< yours"
MID_MARKER = "======="
END_MARKER = f">>>>>>> keras-scaffold {__version__}"


@dataclass
class Outcome:
    """What regenerating one file does, as shown to the user."""

    relpath: str
    # updated, merged, created, restored, excluded, conflict, unresolved, missing,
    # recorded, kept, or (never shown) resolved and caught up
    status: str
    visible: bool = True  # False for bookkeeping only (a merge base catching up)
    note: str = ""  # said after the path


@dataclass
class Plan:
    """Everything regenerating one component would write and report."""

    record: Record
    writes: dict[str, str] = field(default_factory=dict)  # relpath -> text
    # relpath -> the bytes the plan read there, checked again before replacing
    read: dict[str, bytes] = field(default_factory=dict)
    newlines: dict[str, str] = field(default_factory=dict)  # relpath -> "\r\n"
    removals: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def problems(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.status in ("conflict", "unresolved", "missing")
        ]


def select_records(paths: list[Path], cwd: Path) -> list[Record]:
    """The components named by `paths` (roots, answers files or generated files)."""
    if not paths:
        root = find_root(cwd)
        if root is None:
            raise ScaffoldError(
                f"no {RECORDS_DIR}/ in {cwd} or above; run regenerate where "
                "`keras-scaffold new` wrote files, or name that folder."
            )
        return find_records(root)
    selected: dict[Path, Record] = {}
    for path in paths:
        for record in _records_for(path):
            selected[record.answers_path.resolve()] = record
    return list(selected.values())


def _records_for(path: Path) -> list[Record]:
    if not path.exists():
        raise ScaffoldError(f"{path} does not exist.")
    if path.is_dir() and (path / RECORDS_DIR).is_dir():
        return find_records(path)
    if path.is_file() and path.parent.name == RECORDS_DIR and path.suffix == ".yml":
        return [read_record(path)]
    root = find_root(path.parent if path.is_file() else path)
    if root is None:
        raise ScaffoldError(f"{path} is not inside a folder with {RECORDS_DIR}/.")
    # The file's own name, not where a link there points (outside, perhaps).
    folder = path if path.is_dir() else path.parent
    relpath = folder.resolve().relative_to(root).as_posix()
    if not path.is_dir():
        relpath = f"{relpath}/{path.name}" if relpath != "." else path.name
    # A generated file names its component; a folder, those generated inside it.
    matches = [
        record
        for record in find_records(root)
        if (root / base_relpath(record.module_name, relpath)).is_file()
        or (path.is_dir() and _generated_under(record, relpath))
    ]
    if not matches:
        raise ScaffoldError(
            f"{path} is neither a file keras-scaffold generated nor a folder "
            "holding one."
        )
    return matches


def exclude(
    records: list[Record], targets: list[Path], templates_of: TemplatesOf
) -> list[Record]:
    """`records` with each file of `targets` added to the `exclude` answer of the
    components among them that generate it (it need not be there: it is what the
    templates place for their answers); nothing is written here. A target that
    no component generates is one line."""
    excluded = {
        record.answers_path: list(record.answers.get("exclude", []))
        for record in records
    }
    for target in targets:
        absolute = Path(os.path.abspath(target))
        # The folder as it is (a link to it too), the name as given: it may be gone.
        where = absolute.parent.resolve() / absolute.name
        found = False
        for record in records:
            if not where.is_relative_to(record.root):
                continue
            relpath = where.relative_to(record.root).as_posix()
            answers = {**record.answers, "exclude": []}
            if relpath in generated_paths(templates_of(record), answers):
                found = True
                if relpath not in excluded[record.answers_path]:
                    excluded[record.answers_path].append(relpath)
        if not found:
            raise ScaffoldError(
                f"--exclude {target}: no component regenerate takes here generates "
                "it; name a file it lists (a module, its test, or the checks "
                "module), as a path from this folder."
            )
    return [
        (
            dataclasses.replace(
                record,
                answers={**record.answers, "exclude": excluded[record.answers_path]},
            )
            if excluded[record.answers_path] != record.answers.get("exclude", [])
            else record
        )
        for record in records
    ]


def _generated_under(record: Record, folder: str) -> bool:
    return any(
        relpath.startswith(f"{folder}/")
        for relpath in base_files(record.root, record.module_name)
    )


def plan_all(
    records: list[Record], templates_of: TemplatesOf, restore: bool = False
) -> list[Plan]:
    """`plan` of each record with the templates `templates_of` picks for it (those
    that made it: `origins`), shared with worker processes where there are many
    and CPUs to spare (`workers`): the error raised is the first record's. Each
    process reads the templates it needs itself, at the same time as the others
    (read here first, they would only wait longer, and a `--check` with nothing
    to render would build the renderer for nothing)."""

    def planned(record: Record) -> Plan:
        return plan(record, templates_of(record), restore)

    return workers.map_in_order(planned, records)


def plan(record: Record, templates: Templates, restore: bool = False) -> Plan:
    """Compute what regenerating `record` does, writing nothing. With `restore`, a
    generated file that is missing is written again from the new generation."""
    result = Plan(record)
    answers = _checked_answers(record, templates)
    # The component's files are those its pattern and answers give, at the paths
    # they give: the only ones whose merge base is read, and the only ones merged
    # or written. None is written through a symbolic link.
    paths = generated_paths(templates, answers)
    writer.check_targets(record.root, [record.path(relpath) for relpath in paths])
    digest = fingerprint(templates.digest, answers)
    recorded = record.read_digest()
    _plan_excluded(result, answers)
    bases = _read_bases(record, paths)
    if paths and not bases:  # (every file excluded: no base to build)
        return _plan_base(result, templates, answers, digest, restore)
    unchanged = _unchanged_key(record, digest, bases)
    if _trusted(record, paths, bases) and (
        digest == recorded or cache.read("unchanged", unchanged) is not None
    ):
        theirs = dict(bases)  # same templates and answers: same files
        rendered = None
    else:
        rendered = render(templates, answers, _src_path(record, templates))
        theirs = dict(rendered.files)
        answers_text = theirs.pop(answers_relpath(record.module_name))
    settled = True
    for relpath in sorted(paths):
        base, new = bases.get(relpath), theirs[relpath]
        settled &= _plan_file(result, relpath, base, new, restore)
    if rendered is not None:
        _plan_answers(result, answers_text)
        if theirs == bases and not result.writes and not result.removals:
            # The same files as recorded: nothing is written, not even the new
            # fingerprint (noise in every commit), and this machine remembers that
            # these templates give these files, so as not to render them again.
            cache.write("unchanged", unchanged, "")
        elif settled:
            digest_path = digest_relpath(record.module_name)
            result.writes[digest_path] = digest_text(digest)
    # A file is written back with the line ending it has; one that mixes them is
    # refused here, before anything is written, rather than rewritten.
    for relpath in result.writes:
        if relpath in result.read:
            text = result.read[relpath].decode("utf-8")
            result.newlines[relpath] = writer.newline_of(text, record.path(relpath))
    return result


def _trusted(record: Record, paths: list[str], bases: dict[str, str]) -> bool:
    """Whether the merge base may stand for the new generation when the digest
    says that the templates and answers are the same: only where nothing can be
    written from it, every file having its base and none a pending generation.
    (Each file's new generation is then its base, and nothing is written.) Where
    a `.theirs` is pending, it would become the base and the merge base be
    written into the user's file: the templates are rendered instead, so that
    what is written comes from the user's file or a real render, never from the
    records."""
    module_name = record.module_name
    return set(bases) == set(paths) and not any(
        record.path(base_relpath(module_name, relpath, ".theirs")).is_file()
        for relpath in paths
    )


def _plan_answers(result: Plan, answers_text: str) -> None:
    """Update the answers file with the values the templates give, if any changed."""
    record = result.record
    answers_path = answers_relpath(record.module_name)
    before = record.text  # as read and checked
    after = update_answers(before, answers_text, record.answers_path)
    if after != before:
        result.writes[answers_path] = after
        result.read[answers_path] = before.encode("utf-8")
        result.newlines[answers_path] = writer.newline_of(before, record.answers_path)
        result.outcomes.append(Outcome(answers_path, "updated"))


def _plan_excluded(result: Plan, answers: dict) -> None:
    """The merge base of each file the `exclude` answer names goes (the files
    themselves stay as they are, the user's): the component no longer generates
    them, and with the entry deleted, `regenerate` creates them again."""
    record = result.record
    for relpath in answers.get("exclude", []):
        found = False
        for suffix in (".orig", ".theirs"):
            base = base_relpath(record.module_name, relpath, suffix)
            if record.path(base).is_file():  # `check_records`: no link
                result.removals.append(base)
                found = True
        if found:
            mine = record.path(relpath).is_file()
            note = "(yours now: no longer generated)" if mine else ""
            result.outcomes.append(Outcome(relpath, "excluded", note=note))


def _plan_base(
    result: Plan, templates: Templates, answers: dict, digest: str, restore: bool
) -> Plan:
    """Record the merge base of a component that has none (one made by plain
    `copier copy`, or whose base was lost): what its answers give with the current
    templates. Its files stay as they are; one that differs from that is taken as
    the user's edit, into which later template changes merge. (With `restore`, a
    missing one is written.)"""
    record = result.record
    module_name = record.module_name
    rendered = render(templates, answers, _src_path(record, templates))
    files = dict(rendered.files)
    answers_text = files.pop(answers_relpath(module_name))
    result.outcomes.append(
        Outcome(
            base_dir(module_name),
            "recorded",
            note="(built from the answers with the current templates: there was "
            "no merge base)",
        )
    )
    for relpath, text in sorted(files.items()):
        result.writes[base_relpath(module_name, relpath)] = text
        path = record.path(relpath)
        if not path.is_file() and restore:
            result.writes[relpath] = text
            result.outcomes.append(Outcome(relpath, "restored"))
        elif not path.is_file():
            result.outcomes.append(Outcome(relpath, "missing"))
        elif writer.to_lf(writer.read_text(path)) != text:
            result.outcomes.append(
                Outcome(
                    relpath,
                    "kept",
                    note="(differs from what the answers give: kept as your edit)",
                )
            )
    result.writes[digest_relpath(module_name)] = digest_text(digest)
    _plan_answers(result, answers_text)
    return result


def fresh_files(record: Record, templates: Templates) -> dict[str, str]:
    """What a component's answers give with `templates`, its answers file aside."""
    answers = _checked_answers(record, templates)
    rendered = render(templates, answers, _src_path(record, templates))
    files = dict(rendered.files)
    files.pop(answers_relpath(record.module_name))
    return files


def _src_path(record: Record, templates: Templates) -> str:
    """The `_src_path` to record: the one recorded, where it names `templates`
    (as spelled: through a link, say), else theirs (`Templates.src_path_from`:
    portable, never one machine's path)."""
    if record.src_path is not None:
        try:
            if (record.root / record.src_path).resolve() == templates.root:
                return record.src_path
        except (OSError, RuntimeError):
            pass
    return templates.src_path_from(record.root)


def _unchanged_key(record: Record, digest: str, bases: dict[str, str]) -> str:
    """What makes a component's recorded files the ones `digest` gives: the new
    fingerprint, the recorded one with its sources, and the merge base."""
    path = record.root / digest_relpath(record.module_name)
    recorded = path.read_text("utf-8") if path.is_file() else ""
    files = (
        part for relpath, text in sorted(bases.items()) for part in (relpath, text)
    )
    return cache.key(digest, recorded, *files)


def _checked_answers(record: Record, templates: Templates) -> dict:
    answers = record.answers
    if answers["pattern"] == ADOPTED:
        fresh = adopt.checked_answers(record)  # an adopted class's tests
        check_excluded(templates, fresh, record.answers_path)
        return fresh
    try:
        fresh = make_answers(
            templates,
            answers["pattern"],
            answers["class_name"],
            answers["package"],
            check_documented_params(answers["params"]),
            module_dir=answers["module_dir"],
            tests_dir=answers["tests_dir"],
            import_prefix="".join(str(answers["module_import"]).rpartition(".")[:2]),
            exclude=answers.get("exclude"),
            quantize_shard=answers.get("quantize_shard", True),
        )
    except ScaffoldError as error:
        raise AnswersError(f"{record.answers_path}: {error}") from error
    check_excluded(templates, fresh, record.answers_path)
    for key in ("module_name", "module_import"):
        if fresh[key] != answers[key]:
            raise AnswersError(
                f"{record.answers_path}: {key} `{answers[key]}` does not match "
                f"class_name `{answers['class_name']}`; restore the file."
            )
    return fresh


def update_answers(before: str, rendered: str, path: Path | str = "") -> str:
    """The answers file `before` with the values of `rendered` (the answers file
    the templates give), keeping the user's comments, order and other keys."""
    fresh = yaml.load(rendered, SafeLoader)
    current = yaml.load(before, SafeLoader)
    if "_commit" in current:
        # Copier's record of a git template (`copier copy`): `copier update`
        # reads its path and commit, so they stay as Copier wrote them.
        fresh.pop("_src_path", None)
    changed = [key for key, value in fresh.items() if current.get(key) != value]
    # `_src_path` is keras-scaffold's to write: where the templates no longer give
    # one (they are outside the repository), a stale machine path goes.
    stale = [
        key
        for key in ("_src_path",)
        if key in current and key not in fresh and "_commit" not in current
    ]
    if not changed and not stale:
        return before
    from ruamel.yaml import YAML  # round trip: comments and order survive
    from ruamel.yaml.error import YAMLError

    round_trip = YAML()
    round_trip.width = 4096
    try:  # `records` has read it with the safe loader and its limits
        data = round_trip.load(writer.to_lf(before))
    except (YAMLError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else error
        raise AnswersError(
            f"{path} cannot be updated in place ({first}); restore it from "
            "version control."
        ) from None
    for key in changed:
        data[key] = fresh[key]
    for key in stale:
        del data[key]
    stream = io.StringIO()
    round_trip.dump(data, stream)
    return stream.getvalue()


def _read_bases(record: Record, paths: list[str]) -> dict[str, str]:
    """The merge base of each of the component's files (`paths`) that has one; none
    for a component made by `copier copy`. A `.orig` the records hold for any other
    path, planted there or left by a file the templates no longer give, is never
    read (`check_records` has checked them all: regular files, no links)."""
    found = {}
    for relpath in paths:
        path = record.path(base_relpath(record.module_name, relpath))
        if path.is_file():
            found[relpath] = read_record_text(path)
    return found


def _plan_file(
    result: Plan, relpath: str, base: str | None, new: str, restore: bool = False
) -> bool:
    """Plan one file; True when it is settled (no conflict left for the user).
    A missing file is reported, or with `restore` written from the new
    generation (never over a file that is there)."""
    record = result.record
    module_name = record.module_name
    path = record.path(relpath)
    base_path = base_relpath(module_name, relpath)
    pending_path = base_relpath(module_name, relpath, ".theirs")
    ours = writer.read_text(path) if path.is_file() else None
    if ours is not None:  # merged as LF text, written back with its own endings
        result.read[relpath] = ours.encode("utf-8")
        ours = writer.to_lf(ours)

    if ours is None:
        if base is None:  # a file the templates newly generate
            result.writes[relpath] = new
            result.writes[base_path] = new
            result.outcomes.append(Outcome(relpath, "created"))
            return True
        if not restore:
            result.outcomes.append(Outcome(relpath, "missing"))
            return True
        result.writes[relpath] = new
        result.writes[base_path] = new
        if record.path(pending_path).is_file():  # the conflict went with the file
            result.removals.append(pending_path)
        result.outcomes.append(Outcome(relpath, "restored"))
        return True
    if _has_conflict_markers(ours):
        result.outcomes.append(Outcome(relpath, "unresolved"))
        return False
    if record.path(pending_path).is_file():
        # The user resolved an earlier conflict: that generation is now the base.
        base = read_record_text(record.path(pending_path))
        result.writes[base_path] = base
        result.removals.append(pending_path)
        result.outcomes.append(Outcome(relpath, "resolved", visible=False))
    base = "" if base is None else base
    if new == base:
        return True
    if ours == base:
        result.writes[relpath] = new
        result.outcomes.append(Outcome(relpath, "updated"))
    elif ours != new:
        merged, conflicted = merge(base, ours, new)
        result.writes[relpath] = merged
        if conflicted:
            result.writes[pending_path] = new
            result.outcomes.append(Outcome(relpath, "conflict"))
            return False
        result.outcomes.append(Outcome(relpath, "merged"))
    else:
        result.outcomes.append(Outcome(relpath, "caught up", visible=False))
    result.writes[base_path] = new
    return True


def merge(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """3-way merge with git-style markers; returns the text and whether it conflicts."""
    merger = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    conflicted = any(region[0] == "conflict" for region in merger.merge_regions())
    lines = merger.merge_lines(
        start_marker=START_MARKER,
        mid_marker=MID_MARKER,
        end_marker=END_MARKER,
        reprocess=True,
    )
    return "".join(lines), conflicted


def _has_conflict_markers(text: str) -> bool:
    lines = text.splitlines()
    return START_MARKER in lines and any(line.startswith(">>>>>>> ") for line in lines)


def apply(plans: list[Plan]) -> None:
    """Write every plan's files atomically (all or none), then drop adopted files."""
    # A file several components generate (the shared checks module) is written
    # once; their merges of it are the same.
    planned = {
        plan.record.path(relpath): writer.PlannedFile(
            plan.record.path(relpath),
            text,
            plan.record.path(relpath).exists(),
            expected=plan.read.get(relpath),
            newline=plan.newlines.get(relpath, "\n"),
        )
        for plan in plans
        for relpath, text in plan.writes.items()
    }
    writer.write(list(planned.values()))
    for plan in plans:
        for relpath in plan.removals:
            plan.record.path(relpath).unlink(missing_ok=True)
