"""A pattern's rules across its arguments, checked on the declared defaults.

A rule in `pattern.yml` is a `refuse` expression over the pattern's arguments and
the `message` Keras's wording gives when it holds: the generated `__init__` raises
that ValueError (`_shared/params.jinja`), and `new` refuses defaults for which it
holds, so that no layer is generated that its own defaults cannot construct. The
expression is evaluated here by Jinja's sandbox, never by Python's `eval`, in the
syntax both share (`%`, `==`, `and`, tuples; `tuple` and `len` as functions).
"""

from functools import cache

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from keras_scaffold.errors import InvalidParamError, TemplateError

_ENV = SandboxedEnvironment()
_FUNCTIONS = {"tuple": tuple, "len": len}


@cache
def _compiled(expression: str):
    try:
        names = meta.find_undeclared_variables(_ENV.parse(f"{{{{ {expression} }}}}"))
        return _ENV.compile_expression(expression), frozenset(names - set(_FUNCTIONS))
    except TemplateSyntaxError as error:
        raise TemplateError(
            f"pattern rule `{expression}` is not valid: {error}"
        ) from error


def default_values(own: list[dict], declared: list[dict]) -> dict:
    """Each of the pattern's arguments with the default the layer will have: the
    declared one where declared, else the pattern's; ints as tuples."""
    values = {}
    by_name = {param["name"]: param for param in declared}
    for param in own:
        chosen = by_name.get(param["name"], param)
        if "default" not in chosen or chosen["default"] is None:
            continue
        value = chosen["default"]
        if param["type"] == "ints":
            value = tuple(value)
            if param.get("length") and len(value) == 1:
                value *= param["length"]  # one integer stands for all
        values[param["name"]] = value
    return values


def check_rules(pattern: str, rules: list[dict], values: dict) -> None:
    """Raise where a rule refuses `values` (the defaults); a rule naming an
    argument without a default is the caller's to keep, not checked here."""
    for rule in rules:
        refuse, names = _compiled(rule["refuse"])
        if not names <= values.keys():
            continue
        if refuse(**values, **_FUNCTIONS):
            message = " ".join(rule["message"].split()).format(**values)
            raise InvalidParamError(
                f"the {pattern} pattern's defaults would be refused by its own "
                f"`__init__`: {message}. Declare defaults that agree."
            )
