"""Generating one component: where its files go and everything `new` writes."""

from dataclasses import dataclass
from pathlib import Path

from keras_scaffold import writer
from keras_scaffold.component import answers_file, make_answers, render
from keras_scaffold.errors import OutputError, TargetExistsError
from keras_scaffold.exports import add_export
from keras_scaffold.names import package_from_location
from keras_scaffold.project import find_project
from keras_scaffold.records import (
    SHARED_MODULES,
    base_dir,
    check_records,
    fingerprint,
    record_files,
)
from keras_scaffold.templates import Templates


@dataclass(frozen=True)
class Target:
    """Where a component goes: the destination root and the folders inside it."""

    root: Path
    package: str
    module_dir: str = "."
    tests_dir: str = "."
    import_prefix: str = ""
    exports: bool = False  # add the class to module_dir/__init__.py
    quantize_shard: bool = True  # the project's default for --quantize-shard


def locate(output: Path | None, package: str | None, kind: str, cwd: Path) -> Target:
    """Inside a project (and no --output): the project's folders. Else --output."""
    project = find_project(cwd) if output is None else None
    if project is not None:
        return Target(
            root=project.root,
            package=package or project.package,
            module_dir=project.module_dir(kind),
            tests_dir=project.tests,
            import_prefix=project.import_prefix(kind),
            exports=True,
            quantize_shard=project.quantize_shard,
        )
    output = output or Path(".")
    if output.exists() and not output.is_dir():
        raise OutputError(
            f"--output {output} is a file; give a folder to write the files into."
        )
    return Target(root=output, package=package or package_from_location(output))


@dataclass(frozen=True)
class Plan:
    """The files `new` writes; `shown` are the ones it names, and `base` the merge
    base folder, named whole (its files are bookkeeping)."""

    files: list[writer.PlannedFile]
    shown: list[writer.PlannedFile]
    base: "BaseFolder | None" = None


@dataclass(frozen=True)
class BaseFolder:
    """The merge base folder a plan writes into: where, and whether it is new."""

    path: Path
    exists: bool


def plan(
    templates: Templates,
    pattern: str,
    class_name: str,
    target: Target,
    params: list[dict],
    force: bool = False,
    quantize_shard: bool | None = None,
) -> Plan:
    """Render the component and check every write; nothing is written here.
    `quantize_shard` None: the project's setting (true outside a project)."""
    answers = make_answers(
        templates,
        pattern,
        class_name,
        target.package,
        params,
        module_dir=target.module_dir,
        tests_dir=target.tests_dir,
        import_prefix=target.import_prefix,
        quantize_shard=(
            target.quantize_shard if quantize_shard is None else quantize_shard
        ),
    )
    planned, shown, base = plan_component(templates, answers, target.root, force)
    if target.exports:
        init = target.root / target.module_dir / "__init__.py"
        writer.check_target(target.root, init)
        before = writer.read_text(init) if init.is_file() else ""
        after = add_export(before, answers["module_name"], class_name, init)
        if after != before:
            update = writer.PlannedFile(
                init,
                writer.to_lf(after),
                init.exists(),
                expected=before.encode("utf-8") if init.exists() else None,
                newline=writer.newline_of(before, init),
            )
            planned.append(update)
            shown.append(update)
    return Plan(planned, shown, base)


def plan_component(
    templates: Templates, answers: dict, root: Path, force: bool = False
) -> tuple[list[writer.PlannedFile], list[writer.PlannedFile], BaseFolder]:
    """Every file of a component under `root`, merge base first, the ones to name
    to the user (the rendered files), and the merge base folder; nothing is
    written here."""
    # Existing records are written into: never through a link, nor a special file.
    check_records(root, answers["module_name"])
    rendered = render(templates, answers, templates.src_path_from(root))
    # Nor through a link (one out of the project, or any: as git, never through).
    writer.check_targets(root, [root / relpath for relpath in rendered.files])
    records = record_files(answers, rendered, fingerprint(templates.digest, answers))
    # A file every component of a folder shares (the tests' checks module) is
    # left alone where it already holds the same text, and so is one an
    # interrupted run of the same command wrote (running it again finishes).
    files = {
        relpath: text
        for relpath, text in rendered.files.items()
        if not writer.holds(root / relpath, text)
    }
    if not files and not force:  # not interrupted: the component is all there
        existing = [
            str(root / relpath)
            for relpath in rendered.files
            if not relpath.endswith(SHARED_MODULES)
        ]
        raise TargetExistsError(
            f"{', '.join(existing)} already exist, as this command writes them; "
            "nothing was written (use --force to write them again)."
        )
    shown = writer.plan(root, files, force=force)
    answers_path = root / answers_file(answers)
    # The merge base goes first, so that a component is never without it; base
    # files without their answers file are what an interrupted run left.
    stale = not answers_path.exists()
    bases = writer.plan(root, records, force=force or stale)
    answers_first = sorted(shown, key=lambda item: item.path != answers_path)
    folder = root / base_dir(answers["module_name"])
    return [*bases, *answers_first], shown, BaseFolder(folder, folder.is_dir())
