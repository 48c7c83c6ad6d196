"""The `keras-scaffold` command line."""

import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import click
import yaml
from click.core import ParameterSource

from keras_scaffold import (
    __version__,
    adopt,
    cache,
    diffs,
    generate,
    project,
    regenerate,
    remove,
    writer,
)
from keras_scaffold.check.command import check_command
from keras_scaffold.errors import InvalidNameError, RegenerateError, ScaffoldError
from keras_scaffold.names import check_class_name
from keras_scaffold.origins import TemplatesOf
from keras_scaffold.params import (
    SYNTAX_HELP,
    TYPES,
    add_docs,
    format_param,
    parse_params,
)
from keras_scaffold.patterns import Pattern
from keras_scaffold.templates import (
    Templates,
    default_templates_dir,
    make_answers_portable,
    templates_for,
)

_PROG = "keras-scaffold"


def _templates(ctx: click.Context, near: Path | None = None) -> Templates:
    """The templates this invocation renders from (--templates, else those the
    project at or above `near`, by default the current folder, recorded), read
    once."""
    root = ctx.find_root()
    if "templates" not in root.meta:
        chosen = root.params.get("templates")
        root.meta["templates"] = templates_for(chosen, near or Path.cwd())
    return root.meta["templates"]


def _templates_of(ctx: click.Context, near: Path) -> TemplatesOf:
    """Each component's templates (`origins`): those it records it was made from;
    for one that records none, `_templates`."""
    root = ctx.find_root()
    given = root.params.get("templates")
    source = root.get_parameter_source("templates")
    where = "KERAS_SCAFFOLD_TEMPLATES" if source == ParameterSource.ENVIRONMENT else ""
    return TemplatesOf(_templates(ctx, near), given, where)


def _again(ctx: click.Context, restore: bool = False, exclude: tuple = ()) -> str:
    """`keras-scaffold regenerate` as the user must run it again: with the PATHS,
    --restore, --exclude and --templates given this time (on the command line or
    in the environment), and `restore` and `exclude` besides, quoted for a
    shell."""
    command = ctx.params
    words = [str(path) for path in command.get("paths", ())]
    if restore or command.get("restore"):
        words.append("--restore")
    excluded = [str(path) for path in command.get("exclude", ())]
    excluded += [path for path in exclude if path not in excluded]
    for path in excluded:
        words += ["--exclude", path]
    templates = ctx.find_root().params.get("templates")
    if templates:
        words += ["--templates", templates]
    return "`" + shlex.join(["keras-scaffold", "regenerate", *words]) + "`"


def _record_templates(ctx: click.Context, near: Path) -> None:
    """Record --templates, given on the command line, in the project at or above
    `near` (if any), so that later commands there use them without it."""
    _templates_recorder(ctx, near)()


def _templates_recorder(ctx: click.Context, near: Path) -> Callable[[], None]:
    """What `_record_templates` does, its project looked up now: called before a
    command writes, a pyproject.toml that cannot be read stops it with nothing
    written, not half-way."""
    root = ctx.find_root()
    chosen = root.params.get("templates")
    given = root.get_parameter_source("templates") == ParameterSource.COMMANDLINE
    found = project.find_project(near) if chosen and given else None
    if found is None:
        return lambda: None
    # Refused now, before the command writes, rather than after (never through).
    writer.check_target(found.root, found.root / "pyproject.toml")
    folder = Path(chosen).resolve()
    built_in = folder == default_templates_dir().resolve()

    def record() -> None:
        for path in project.record_templates(found, None if built_in else folder):
            _say("update", path, f"(templates: {'built-in' if built_in else chosen})")

    return record


_TEMPLATES_HELP = (
    "Render from this template folder instead of the built-in patterns "
    "(also KERAS_SCAFFOLD_TEMPLATES)."
)


class TemplatesFirstGroup(click.Group):
    """The root group: `--templates DIR` is accepted after any command too.

    It is moved before the command name while parsing, so the templates are known
    before `new` lists its patterns; each command shows it in its own help.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _templates_first(args))


def _templates_first(args: list[str]) -> list[str]:
    """`args` with every `--templates DIR` / `--templates=DIR` moved to the front
    (nothing after a `--` is touched)."""
    moved: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == "--templates" and index + 1 < len(args):
            moved += args[index : index + 2]
            index += 2
            continue
        if arg.startswith("--templates="):
            moved.append(arg)
        else:
            rest.append(arg)
        index += 1
    return moved + rest


def _templates_option(command):
    """`--templates` in a command's help; the root group has already taken it."""
    return click.option(
        "--templates",
        type=click.Path(exists=True, file_okay=False),
        expose_value=False,
        help=_TEMPLATES_HELP,
    )(command)


@click.group(
    cls=TemplatesFirstGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name=_PROG)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False),
    envvar="KERAS_SCAFFOLD_TEMPLATES",
    help=_TEMPLATES_HELP,
)
def cli(templates: str | None) -> None:
    """Generate Keras 3 custom layers and models, each with a test file that
    proves it saves, reloads and trains."""


@cli.command("list")
@_templates_option
@click.pass_context
def list_patterns(ctx: click.Context) -> None:
    """List every pattern with a one-line summary."""
    patterns = _templates(ctx).patterns
    width = max(len(name) for name in patterns)
    for pattern in patterns.values():
        click.echo(f"{pattern.name:<{width}}  {pattern.summary}")


class PatternGroup(click.Group):
    """`new` has one subcommand per pattern, read from the templates."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_templates(ctx).patterns)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        patterns = _templates(ctx).patterns
        return _pattern_command(patterns[name]) if name in patterns else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `new --output DIR`: options before any pattern are the pattern's own.
        options_first = bool(args) and _is_pattern_option(args[0], ctx)
        if (not args or options_first) and _interactive():
            args = [_ask_pattern(_templates(ctx).patterns), *args]
        elif options_first:
            raise click.UsageError(
                "Missing the pattern: give it before the options, as in "
                f"`keras-scaffold new PATTERN CLASS_NAME {args[0]} ...` "
                "(`keras-scaffold list` lists the patterns)",
                ctx,
            )
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            _templates(ctx).pattern(name)  # raises, naming the closest pattern
        return super().resolve_command(ctx, args)


@cli.group("new", cls=PatternGroup)
@_templates_option
def new() -> None:
    """Generate a layer or model module and its pytest file from a pattern.

    Run `keras-scaffold new PATTERN --help` for what a pattern generates.
    """


def _pattern_command(pattern: Pattern) -> click.Command:
    own = "\n".join(
        f"  {format_param(param)}"
        + ("" if param["type"] in TYPES else "  (this pattern's own type)")
        for param in pattern.params
    )
    help_text = (
        f"{_keep_layout(pattern.usage)}\n\n\b\nIts own arguments:\n{own}\n\n"
        "Writes CLASS_NAME's module (snake_case of CLASS_NAME), its test file, and "
        "its answers under .keras-scaffold/. Inside a project made by "
        "`keras-scaffold init`, the module goes to the project's layers (a model: "
        "models) folder and is exported from its __init__.py, the test to tests/."
        f"\n\n{SYNTAX_HELP}\nDescribe a declared argument with --doc NAME=TEXT: "
        "one line for its Args: entry, such as --doc units='Size of the output'. On a "
        "terminal, a missing CLASS_NAME is asked for."
    )

    @click.command(
        pattern.name,
        help=help_text,
        short_help=pattern.summary,
    )
    @click.argument("class_name", required=False)
    @click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        help="Folder to write the files into. Default: inside a project, its "
        "layers (or models) and tests folders; elsewhere, the current folder.",
    )
    @click.option(
        "--package",
        help="Package to register the class under. Default: the project's, else "
        "the output folder's package or name.",
    )
    @click.option(
        "-p",
        "--param",
        "param_specs",
        multiple=True,
        metavar="NAME:TYPE[:RANGE][=DEFAULT]",
        help="Declare an argument of the class (repeatable; see below).",
    )
    @click.option(
        "--doc",
        "docs",
        multiple=True,
        metavar="NAME=TEXT",
        help="Describe a declared argument in the docstring's Args: (repeatable), "
        "such as --doc units='Size of the output'.",
    )
    @click.option(
        "--quantize-shard/--no-quantize-shard",
        default=None,
        help="Give the class quantization and sharding support: the quantized "
        "sub-layers' policies in get_config and get_layout_map(). Default: the "
        "project's quantize-shard setting, else on.",
    )
    @click.option("--dry-run", is_flag=True, help="Show what would be written.")
    @click.option("--force", is_flag=True, help="Overwrite files that exist.")
    @_templates_option
    @click.pass_context
    def command(
        ctx: click.Context,
        class_name: str | None,
        output: Path | None,
        package: str | None,
        param_specs: tuple[str, ...],
        docs: tuple[str, ...],
        quantize_shard: bool | None,
        dry_run: bool,
        force: bool,
    ) -> None:
        if class_name is None:
            if not _interactive():
                raise click.MissingParameter(
                    ctx=ctx, param_type="argument", param_hint="'CLASS_NAME'"
                )
            class_name = _ask_class_name()
        templates = _templates(ctx)
        target = generate.locate(output, package, pattern.kind, Path.cwd())
        params = add_docs(parse_params(param_specs), docs)
        planned = generate.plan(
            templates, pattern.name, class_name, target, params, force, quantize_shard
        )
        record_templates = _templates_recorder(ctx, target.root)
        if not dry_run:
            writer.write(planned.files)
        _say_planned(planned, dry_run)
        if not dry_run and target.exports:  # inside a project
            record_templates()

    return command


def _say_planned(planned: generate.Plan, dry_run: bool) -> None:
    """A line for each file `new` or `adopt` writes, and one for the merge base
    folder after the answers file."""
    lines = []
    for item in planned.shown:
        if not item.exists:
            action = "create"
        else:  # an __init__.py gains an export; anything else is replaced
            action = "update" if item.path.name == "__init__.py" else "overwrite"
        lines.append((action, item.path, False))
    if planned.base is not None:
        action = "overwrite" if planned.base.exists else "create"
        lines.insert(min(1, len(lines)), (action, planned.base.path, True))
    for action, path, folder in lines:
        _say(f"would {action}" if dry_run else action, path, folder=folder)


def _is_pattern_option(arg: str, ctx: click.Context) -> bool:
    """Whether `arg` is an option of a pattern's command, not of `new` itself."""
    name = arg.partition("=")[0]
    own = {opt for param in ctx.command.params for opt in param.opts}
    return name.startswith("-") and name not in own | set(ctx.help_option_names)


def _interactive() -> bool:
    """Whether `new` may ask for what is missing: only when stdin is a terminal."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # a closed stdin
        return False


def _ask_pattern(patterns: dict[str, Pattern]) -> str:
    width = max(len(name) for name in patterns)
    click.echo("Patterns:", err=True)
    for pattern in patterns.values():
        click.echo(f"  {pattern.name:<{width}}  {pattern.summary}", err=True)
    return click.prompt(
        "Pattern", type=click.Choice(list(patterns)), show_choices=False, err=True
    )


def _ask_class_name() -> str:
    def checked(text: str) -> str:
        try:
            return check_class_name(text.strip())
        except InvalidNameError as error:
            raise click.BadParameter(str(error)) from None

    return click.prompt(
        "Class name (PascalCase, such as MyBlock)", value_proc=checked, err=True
    )


@cli.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "-d",
    "--data",
    "answers",
    multiple=True,
    metavar="KEY=VALUE",
    help="An answer to the project template's questions (repeatable): "
    "distribution_name, package_name, author, default_backend, test_backends "
    "(a list: test_backends='[tensorflow, jax]').",
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@_templates_option
@click.pass_context
def init_command(
    ctx: click.Context, directory: Path, answers: tuple[str, ...], force: bool
) -> None:
    """Start a package of Keras layers in DIRECTORY.

    Gives the same files as `copier copy` of the project template with the same
    answers: packaging with an extra per backend, src/PACKAGE/layers and models,
    tests, a README, pre-commit, a GitHub Actions workflow, and the settings that
    `keras-scaffold new` reads to put each layer in its place.
    """
    template = _templates(ctx).root / "project"
    data = dict(_parse_answer(answer) for answer in answers)
    written = project.init_project(template, directory, data, force)
    answers = directory / ".copier-answers.yml"
    if answers.is_file():  # with no machine's path in it
        make_answers_portable(answers, template)
    for path in written:
        _say("create", path)
    _record_templates(ctx, directory)


def _parse_answer(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ScaffoldError(f"`--data {text}` is not KEY=VALUE.")
    if value.startswith("["):  # a list, for multiple-choice questions
        try:
            return key, yaml.safe_load(value)
        except yaml.YAMLError as error:
            raise ScaffoldError(f"`--data {text}`: {error}") from error
    return key, value


@cli.command("regenerate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if anything would change (for CI and pre-commit).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would change, as a unified diff per file; write nothing.",
)
@click.option(
    "--restore",
    is_flag=True,
    help="Write a generated file that was deleted again, from the templates "
    "(never over a file that is there).",
)
@click.option(
    "--exclude",
    "exclude",
    multiple=True,
    metavar="PATH",
    help="Leave this generated file out from now on: recorded in its component's "
    "answers (`exclude`), it is no longer written, merged or removed (repeatable).",
)
@_templates_option
@click.pass_context
def regenerate_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    check: bool,
    dry_run: bool,
    restore: bool,
    exclude: tuple[str, ...],
) -> None:
    """Bring generated components up to date with the templates that made them.

    Renders every component recorded in .keras-scaffold/ (or those named by PATHS:
    folders, answers files or generated files) with the templates it was made
    from and merges the result into your files: your edits stay. A conflict is
    written with <<<<<<< markers and makes the command exit 1; resolve the
    markers and run regenerate again. A generated file you deleted is reported:
    bring it back with --restore, or leave it out with --exclude PATH.
    """
    near = paths[0] if paths else Path.cwd()
    templates_of = _templates_of(ctx, near)
    records = regenerate.select_records(list(paths), Path.cwd())
    if exclude:
        targets = [Path(path) for path in exclude]
        records = regenerate.exclude(records, targets, templates_of)
    plans = regenerate.plan_all(records, templates_of, restore)
    record_templates = _templates_recorder(ctx, near)
    # A file several components generate (the shared checks module) shows once.
    shown: dict[Path, tuple] = {}
    for plan in plans:
        for outcome in plan.outcomes:
            if outcome.visible:
                shown.setdefault(plan.record.path(outcome.relpath), (plan, outcome))
    outcomes = list(shown.values())
    preview = check or dry_run
    for plan, outcome in outcomes:
        verb, done = _OUTCOME_WORDS[outcome.status]
        path = plan.record.path(outcome.relpath)
        _say(f"would {verb}" if preview else done, path, outcome.note)
        if dry_run and not check and outcome.relpath in plan.writes:
            _show_diff(path, plan.writes[outcome.relpath])
    if not preview:
        regenerate.apply(plans)
        record_templates()
    problems = [(plan, o) for plan in plans for o in plan.problems]
    if problems:
        raise RegenerateError(_problem_summary(ctx, problems, preview))
    if check and outcomes:
        raise RegenerateError(
            f"{len(outcomes)} file(s) out of date; run {_again(ctx)}."
        )
    if not outcomes:
        click.echo(f"{len(records)} component(s) up to date.")


@cli.command("remove")
@click.argument("component")
@click.option("--dry-run", is_flag=True, help="Show what would be removed.")
@click.option(
    "--force", is_flag=True, help="Remove files changed since they were generated."
)
@_templates_option
@click.pass_context
def remove_command(
    ctx: click.Context, component: str, dry_run: bool, force: bool
) -> None:
    """Remove a generated component: its module, its test, its record and merge
    base under .keras-scaffold/, and its export line in __init__.py.

    COMPONENT is its class or module name (looked up in the nearest
    .keras-scaffold/), its answers file, or a file it generated. A file changed
    since it was generated stops the removal, unless --force; a file another
    component also generated is kept. The files removed are those the templates
    place for the component's answers, never others its merge base names.
    """
    record = remove.find_component(component, Path.cwd())
    removal = remove.plan(record, _templates_of(ctx, record.root), force)
    if not dry_run:
        remove.apply(removal)
    for action, path, note in removal.shown():
        folder = path == removal.base
        _say(f"would {action}" if dry_run else action, path, note, folder)


# Each outcome as (what it would do, what it did).
_OUTCOME_WORDS = {
    "updated": ("update", "updated"),
    "merged": ("merge", "merged"),
    "created": ("create", "created"),
    "restored": ("restore", "restored"),
    "excluded": ("exclude", "excluded"),
    "conflict": ("conflict", "conflict"),
    "unresolved": ("stay unresolved", "unresolved"),
    "missing": ("report missing", "missing"),
    "recorded": ("record", "recorded"),
    "kept": ("keep", "kept"),
}


def _problem_summary(ctx: click.Context, problems: list, preview: bool) -> str:
    """One line: the files of each kind of problem, and what to do, with the
    commands to run (repeating what the user gave this time)."""
    by_status: dict[str, list[Path]] = {}
    for plan, outcome in problems:
        by_status.setdefault(outcome.status, []).append(
            plan.record.path(outcome.relpath)
        )
    resolve = f"resolve the <<<<<<< markers, then run {_again(ctx)} again"
    missing = [_shown(path) for path in by_status.get("missing", [])]
    advice = {
        "conflict": resolve,
        "unresolved": resolve,
        "missing": "deleted or moved, so not recreated: bring them back from the "
        f"templates with {_again(ctx, restore=True)}, or leave them out from now "
        f"on with {_again(ctx, exclude=tuple(missing))}",
    }
    if preview and "conflict" in by_status:
        by_status["would conflict"] = by_status.pop("conflict")
    return "; ".join(
        f"{status}: {', '.join(map(str, paths))} ({advice[status.split()[-1]]})"
        for status, paths in by_status.items()
    )


def _say(action: str, path: Path, note: str = "", folder: bool = False) -> None:
    # A path is anything a folder may be named: escaped, so that the line prints.
    shown = _shown(path) + ("/" if folder else "")
    line = f"{action:>16}  {shown}" + (f"  {note}" if note else "")
    click.echo(one_line(line))


def _shown(path: Path) -> str:
    return os.path.relpath(path) if path.is_absolute() else str(path)


def _show_diff(path: Path, text: str) -> None:
    """The unified diff from the file on disk to `text`: colored on a terminal,
    plain otherwise."""
    before = path.read_text("utf-8") if path.is_file() else None
    for line in diffs.unified_diff(Path(_shown(path)).as_posix(), before, text):
        click.echo(diffs.style(line))


def _keep_layout(text: str) -> str:
    """Mark paragraphs with indented lines (examples) so click does not rewrap them."""
    paragraphs = text.strip().split("\n\n")
    return "\n\n".join(
        f"\b\n{paragraph}" if "\n " in paragraph else paragraph
        for paragraph in paragraphs
    )


cli.add_command(check_command)


@cli.command("adopt")
@click.argument("target", metavar="PATH::CLASS")
@click.option(
    "--init",
    "init_json",
    metavar="JSON",
    help="The arguments its tests construct it with, such as '{\"units\": 4}' "
    "(default: [tool.keras-scaffold.check.init] in pyproject.toml, else samples "
    "from its signature).",
)
@click.option(
    "--other",
    "other_json",
    metavar="JSON",
    help="A second configuration for the config round trip (default: --init's).",
)
@click.option("--input-shape", metavar="SIZES", help="The sample batch (default 2,8).")
@click.option(
    "--input-dtype",
    type=click.Choice(["float32", "int32"]),
    help="Random floats (default), or token ids 1 to 3 (int32).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="The tests folder (default: the project's, else beside the module).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be written.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@_templates_option
@click.pass_context
def adopt_command(
    ctx: click.Context,
    target: str,
    init_json: str | None,
    other_json: str | None,
    input_shape: str | None,
    input_dtype: str | None,
    output: Path | None,
    dry_run: bool,
    force: bool,
) -> None:
    """Give an existing layer or model the generated test suite.

    Writes test_<class>.py (and keras_scaffold_checks.py) for the class PATH
    defines and records it in .keras-scaffold/, so that `keras-scaffold
    regenerate` keeps it current when the checks improve. Reads the source
    only; the tests import the class.
    """
    name = target.partition("::")[2]
    options = adopt.Options(
        {name: adopt.parse_json_config(init_json, "--init")} if init_json else {},
        {name: adopt.parse_json_config(other_json, "--other")} if other_json else {},
        adopt.parse_input_shape(input_shape) if input_shape else None,
        input_dtype,
    )
    found = adopt.one_target(target, options)
    planned = adopt.plan(_templates(ctx, found.path.parent), found, output, force)
    record_templates = _templates_recorder(ctx, found.path.parent)
    if not dry_run:
        writer.write(planned.files)
    _say_planned(planned, dry_run)
    if not dry_run:
        record_templates()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error is one line on stderr and a non-zero exit."""
    try:
        cli.main(args=argv, prog_name=_PROG, standalone_mode=False)
    except ScaffoldError as error:
        _fail(str(error), error.exit_code)
    except OSError as error:  # a path too long, a loop, a folder it cannot make
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}; nothing was written.", 1)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(f"{_PROG}: aborted", err=True)
        sys.exit(1)
    except (RuntimeError, RecursionError) as error:  # a symlink loop on 3.10-3.12
        _fail(f"{error}; nothing was written.", 1)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help())  # asking with no arguments is asking for help
    except click.ClickException as error:
        hint = ""
        if isinstance(error, click.UsageError) and error.ctx is not None:
            hint = f" (see `{error.ctx.command_path} --help`)"
        _fail(f"{error.format_message()}{hint}", error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    finally:
        cache.sync()  # the names of the cache entries written on the disk


def _fail(message: str, code: int) -> None:
    """One line on stderr, whatever the message holds, and exit with `code`."""
    click.echo(f"{_PROG}: error: {one_line(message)}", err=True)
    sys.exit(code)


def one_line(message: str) -> str:
    """`message` with every character that is not printable (a newline, a lone
    surrogate from a non-UTF-8 argument) written as its Python escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


__all__ = ["cli", "main"]
