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
def check_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    explain: str | None,
) -> None:
    """Audit Keras layers and models in PATHS (files, or folders walked for *.py)
    against the rules the generated ones keep.

    Reads the source only: never imports Keras or the code. Exits 0 with no
    findings, 1 with findings, 2 on a usage error or a file it cannot read.
    Suppress a finding with `# keras-scaffold: noqa KS101` (or a bare
    `# keras-scaffold: noqa`) on its line or on the class line.
    """
    if explain:
        click.echo(report.explain(checker.one_rule(explain)), nl=False)
        return
    if not paths:
        raise click.UsageError("give at least one PATH (or --explain RULE).")
    result = checker.check_paths(paths, select, ignore)
    click.echo(report.render(result.findings, result.files, output_format), nl=False)
    if result.errors:
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        raise CheckError(result.errors[0] + more)
    if result.findings:
        sys.exit(1)  # findings are the output, not an error line
