"""The `check` command (registered by `keras_scaffold.cli`)."""

import sys
from pathlib import Path

import click

from keras_scaffold.check import checker, report
from keras_scaffold.errors import CheckError


@click.command("check", short_help="Audit Keras layers and models (static).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (comma-separated IDs or prefixes: KS1, KS203).",
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="RULES",
    help="Add these rules to those selected (by pyproject.toml or the default).",
)
@click.option("--ignore", multiple=True, metavar="RULES", help="Leave out these rules.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(report.FORMATS),
    default="text",
    show_default=True,
    help="text (path:line:col: RULE message), json, or github (annotations).",
)
@click.option("--explain", metavar="RULE", help="Explain RULE, with examples.")
@click.option(
    "--fix",
    "fix",
    is_flag=True,
    help="Fix what is mechanical (KS101, KS104, KS107, KS203; KS105 and some KS104 "
    "with --unsafe-fixes), then "
    "report what is left.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff; write nothing (exit 1 if any).",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also make the fixes that may change behaviour beyond the defect.",
)
@click.option(
    "--run",
    "dynamic",
    is_flag=True,
    help="Also import each class and run the generated tests' checks on it (KS9).",
)
@click.option(
    "--init",
    "init_specs",
    multiple=True,
    metavar="CLASS=JSON",
    help="--run: the arguments to construct CLASS with, such as "
    "'MyLayer={\"units\": 4}' (CLASS.other=JSON: a second configuration).",
)
@click.option(
    "--input-shape",
    metavar="SIZES",
    help="--run: the sample batch's shape, batch first (default 2,8).",
)
@click.option(
    "--input-dtype",
    type=click.Choice(["float32", "int32"]),
    help="--run: random floats (default), or token ids 1 to 3 (int32).",
)
def check_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    explain: str | None,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    dynamic: bool,
    init_specs: tuple[str, ...],
    input_shape: str | None,
    input_dtype: str | None,
) -> None:
    """Audit Keras layers and models in PATHS (files, or folders walked for *.py)
    against the rules the generated ones keep.

    Reads the source only: never imports Keras or the code, unless --run: then each
    class (or PATH::Class) is also constructed and held to the checks the
    generated tests make, in a pytest subprocess. Exits 0 with no
    findings, 1 with findings, 2 on a usage error or a file it cannot read.
    Suppress a finding with `# keras-scaffold: noqa KS101` (or a bare
    `# keras-scaffold: noqa`) on its line or on the class line. Rules are chosen
    as ruff chooses its own: `select`, `extend-select`, `ignore` and
    `per-file-ignores` in `[tool.keras-scaffold.check]` of the nearest
    pyproject.toml above each file, then the flags.
    """
    if explain:
        click.echo(report.explain(checker.one_rule(explain)), nl=False)
        return
    if not paths:
        raise click.UsageError("give at least one PATH (or --explain RULE).")
    if (init_specs or input_shape or input_dtype) and not dynamic:
        raise click.UsageError("--init and --input-shape go with --run.")
    if (fix or diff) and dynamic:
        raise click.UsageError("--fix and --diff do not go with --run.")
    # PATH::Class names one class: the static rules read the file, and report
    # and count that class alone.
    files = tuple(Path(str(path).partition("::")[0]) for path in paths)
    named: dict[Path, set[str]] = {}
    for path in paths:
        file, sep, name = str(path).partition("::")
        if sep:
            named.setdefault(Path(file).resolve(), set()).add(name)
    flags = checker.flag_selection(select, ignore, extend_select)
    result = checker.check_with(files, flags)
    checker.only_classes(result, named)
    if (fix or diff) and not result.errors:
        _fix(result, diff, unsafe_fixes, files, flags, named)
    if dynamic and not result.errors:
        selection = checker.Selection(flags)
        ran, targets = _run(
            paths, selection, result, init_specs, input_shape, input_dtype
        )
        result.findings = sorted(set(result.findings) | set(ran))
        if targets is not None:  # the summary counts the classes run
            result.audited = [(str(t.path), t.class_name) for t in targets]
    click.echo(
        report.render(result.findings, result.files, output_format, result.classes),
        nl=False,
    )
    if result.errors:
        # One line per file or folder that could not be read, the last as the
        # error that sets the exit status.
        for line in result.errors[:-1]:
            click.echo(f"keras-scaffold: error: {line}", err=True)
        raise CheckError(result.errors[-1])
    if result.findings:
        sys.exit(1)  # findings are the output, not an error line


def _fix(
    result: "checker.Report",
    diff: bool,
    unsafe: bool,
    files: tuple[Path, ...],
    flags: "checker.RuleSelection",
    named: dict[Path, set[str]],
) -> None:
    """--diff: print the fixes and stop (exit 1 if there are any); --fix: write
    them, check again and leave `result` as what remains. As ruff's."""
    from keras_scaffold.check import fix as fixes

    planned = fixes.plan(result.findings, unsafe)
    for line in planned.errors:
        click.echo(f"keras-scaffold: warning: {line}", err=True)
    hidden = f" ({planned.hidden} more with --unsafe-fixes)" if planned.hidden else ""
    if diff:
        click.echo(planned.diff(), nl=False)
        click.echo(f"Would fix {planned.fixed} finding(s){hidden}.", err=True)
        sys.exit(1 if planned.texts else 0)
    planned.write()
    before = len(result.findings)
    again = checker.check_with(files, flags)
    checker.only_classes(again, named)
    result.findings, result.audited, result.errors = (
        again.findings,
        again.audited,
        again.errors,
    )
    click.echo(
        f"Fixed {planned.fixed} of {before} finding(s) in {len(planned.texts)} "
        f"file(s){hidden}.",
        err=True,
    )


def _run(
    paths: tuple[Path, ...],
    selection: "checker.Selection",
    static: "checker.Report",
    init_specs: tuple[str, ...],
    input_shape: str | None,
    input_dtype: str | None,
) -> tuple[list, list | None]:
    """The findings of the classes run, and those classes (None: none ran, as
    no file's rules select a KS9 rule)."""
    from keras_scaffold import adopt
    from keras_scaffold.check import run
    from keras_scaffold.templates import templates_for

    init, other = adopt.parse_init(init_specs)
    shape = adopt.parse_input_shape(input_shape) if input_shape else None
    options = adopt.Options(init, other, shape, input_dtype)
    # --run's findings are chosen as the static ones are, file by file.
    files = {Path(path) for path, _ in static.audited}
    if not any(
        rule.startswith("KS9") for file in files for rule in selection.rules_for(file)
    ):
        return [], None
    targets, errors = run.collect(list(paths), options)
    if errors:
        raise CheckError(errors[0])
    # The checks of --templates, else of the templates the project recorded.
    chosen = click.get_current_context().find_root().params.get("templates")
    templates = templates_for(chosen, Path(str(paths[0]).partition("::")[0]))
    found = [
        f
        for f in run.run(targets, templates)
        if f.rule in selection.rules_for(Path(f.path))
    ]
    return found, targets
