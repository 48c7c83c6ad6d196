"""The errors keras-scaffold raises: one base class, one subclass per kind of fault."""


def shown(value: object, limit: int = 40) -> str:
    """`value` as an error message quotes it: on one line, and short (a value read
    from a file may be anything, of any length)."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ScaffoldError(Exception):
    """A fault the user can act on: reported as one line and a non-zero exit."""

    exit_code = 1


class InvalidNameError(ScaffoldError):
    """A class, module or package name that cannot be used."""

    exit_code = 2


class UnknownPatternError(ScaffoldError):
    """A pattern name that is not in the registry."""

    exit_code = 2


class InvalidParamError(ScaffoldError):
    """A ``--param`` declaration that is malformed or cannot be used."""

    exit_code = 2


class CheckError(ScaffoldError):
    """`check` was given a rule, path or file it cannot read."""

    exit_code = 2


class OutputError(ScaffoldError):
    """An output location that cannot be written to."""


class TargetExistsError(OutputError):
    """A file that would be overwritten without ``--force``."""


class TemplateError(ScaffoldError):
    """A template that is broken or cannot be rendered with the given answers."""


class AnswersError(ScaffoldError):
    """A recorded component whose answers or merge base cannot be used."""


class RegenerateError(ScaffoldError):
    """`regenerate` left conflicts, missing files or pending changes to report."""


class ProjectError(ScaffoldError):
    """A project whose settings or target folder cannot be used."""


class RemoveError(ScaffoldError):
    """A component that cannot be removed as asked; nothing was deleted."""
