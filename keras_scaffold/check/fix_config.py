"""`check --fix` for KS104: the `__init__` arguments a `get_config` lacks, added as
keys where that `get_config` writes its own (the dict literal it returns, its last
`config.update(...)`, or a `config[key] = ...` line after its last one).

The value is what `__init__` stores, read from its top-level statements:

- `self.x = argument`: `self.x` (safe);
- `self.x = keras.activations.get(argument)` (or `initializers`, `regularizers`,
  `constraints`): `keras.activations.serialize(self.x)`, as Keras's own layers
  write it (safe);
- `self.x = bool(argument)` (`int`, `float`, `str`, `tuple`): `self.x` (safe:
  each gives its own result back unchanged);
- `self.x = some_function(argument)` (a function, not a class): `self.x`, which
  is right only where that function gives the same value again when handed its own
  result (`standardize_data_format`): unsafe, made only with `--unsafe-fixes`.

No fix where the argument is not stored, is stored as anything else (inside a
sub-layer, a seed generator, an expression), under a condition, or in an attribute
`__init__` assigns twice; nor where the argument takes an object (a default that is
not a literal, an attribute called like a layer, a name such as `norm_layer`). An
attribute another method assigns again makes the fix unsafe: the config would hold
that method's value. The argument's name is the key, whatever the attribute's.
"""

import re
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.metadata import QualifiedNameProvider

_GETTERS = re.compile(
    r"^(tensorflow\.keras|tf_keras|keras)(\.src)?"
    r"\.(activations|initializers|regularizers|constraints)\.get$"
)

# Argument names that say the argument takes an object (keras-cv's `norm_layer`).
_OBJECT_NAMES = re.compile(
    r"(^|_)(layer|model|fn|func|function|cls|class|callable|callback|object)$"
)

# Built-ins that give their own result back unchanged: `bool(bool(x)) == bool(x)`.
_IDEMPOTENT = {f"builtins.{name}" for name in ("bool", "int", "float", "str", "tuple")}


@dataclass
class Value:
    code: str
    safe: bool
    serialized: bool = False  # through Keras's `serialize`: a function, called


def missing_keys(findings) -> dict[str, list[str]]:
    """The arguments each class's KS104 findings name, in their order."""
    missing: dict[str, list[str]] = {}
    for finding in findings:
        if finding.rule != "KS104":
            continue
        parts = finding.message.split("`")
        if len(parts) > 3 and parts[3].endswith(".__init__"):
            name = parts[3].removesuffix(".__init__")
            missing.setdefault(name, []).append(parts[1])
    return missing


class AddConfigKeys(cst.CSTTransformer):
    """Adds the missing keys class by class; counts the findings fixed and the
    unsafe ones left (no `unsafe`)."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self, missing: dict[str, list[str]], unsafe: bool) -> None:
        super().__init__()
        self.missing = missing
        self.unsafe = unsafe
        self.count = 0
        self.hidden = 0
        self.names: dict[str, int] = {}

    def visit_Module(self, node: cst.Module) -> None:
        for found in m.findall(node, m.ClassDef()):
            self.names[found.name.value] = self.names.get(found.name.value, 0) + 1

    def leave_ClassDef(
        self, original: cst.ClassDef, updated: cst.ClassDef
    ) -> cst.ClassDef:
        wanted = self.missing.get(original.name.value)
        if not wanted or self.names.get(original.name.value) != 1:
            return updated  # two classes of one name: which is meant is unclear
        init = _method(original, "__init__")
        if init is None or _method(updated, "get_config") is None:
            return updated  # inherited: the class it is in is fixed, if any
        pairs = []
        for name in wanted:
            value = self._value(original, init, name)
            if value is None:
                continue
            if not value.safe and not self.unsafe:
                self.hidden += 1
                continue
            pairs.append((name, value.code))
        if not pairs:
            return updated
        get_config = _method(updated, "get_config")
        fixed = _add_keys(get_config, pairs)
        if fixed is None:
            return updated
        self.count += len(pairs)
        return updated.deep_replace(get_config, fixed)

    def _value(
        self, cls: cst.ClassDef, init: cst.FunctionDef, name: str
    ) -> Value | None:
        params = {p.name.value: p for p in _params(init)}
        param = params.get(name)
        if param is None or param.star:
            return None
        if param.default is not None and not _literal(param.default):
            return None  # an object (a class, a layer) the config cannot hold
        if _OBJECT_NAMES.search(name):
            return None  # `norm_layer=None`: a class or a layer when given
        found: Value | None = None
        for statement in _top_level(init):
            if not (
                m.matches(statement, m.Assign(targets=[m.AssignTarget(m.Attribute())]))
                and _self_attr(statement.targets[0].target)
            ):
                continue
            value = self._stored(statement.value, name, statement.targets[0].target)
            if value is not None and (found is None or value.safe > found.safe):
                found, attr = value, _self_attr(statement.targets[0].target)
        if found is None:
            return None
        if _assignments(init, attr) != 1:
            return None
        if not found.serialized and _used_as_layer(cls, attr):
            return None
        if _assigned_elsewhere(cls, init, attr) or _rebinds(init, name):
            found.safe = False
        return found

    def _stored(
        self, value: cst.BaseExpression, name: str, target: cst.Attribute
    ) -> Value | None:
        attr = cst.Module([]).code_for_node(target)
        if m.matches(value, m.Name(name)):
            return Value(attr, True)
        if not m.matches(
            value, m.Call(args=[m.Arg(m.Name(name), keyword=None, star="")])
        ):
            return None
        qualified = {
            q.name for q in self.get_metadata(QualifiedNameProvider, value.func)
        }
        if any(_GETTERS.match(q) for q in qualified) and isinstance(
            value.func, cst.Attribute
        ):
            serialize = value.func.with_changes(attr=cst.Name("serialize"))
            code = cst.Module([]).code_for_node(serialize)
            return Value(f"{code}({attr})", True, serialized=True)
        if qualified & _IDEMPOTENT:
            return Value(attr, True)  # `bool(bool(x)) == bool(x)`
        last = (
            value.func.attr.value
            if isinstance(value.func, cst.Attribute)
            else value.func.value if isinstance(value.func, cst.Name) else ""
        )
        if last[:1].islower() or last.startswith("_"):
            return Value(attr, False)  # a function: its result handed back
        return None  # a class: the attribute holds an object


def _method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _params(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _top_level(function: cst.FunctionDef):
    for line in function.body.body:
        if isinstance(line, cst.SimpleStatementLine):
            yield from line.body


def _self_attr(node: cst.BaseExpression) -> str | None:
    if m.matches(node, m.Attribute(value=m.Name("self"))):
        return node.attr.value
    return None


def _literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation):
        return _literal(node.expression)
    if isinstance(node, cst.Tuple | cst.List):
        return all(_literal(element.value) for element in node.elements)
    return isinstance(node, cst.BaseNumber | cst.BaseString) or m.matches(
        node, m.Name("None") | m.Name("True") | m.Name("False")
    )


def _targets_of(node: cst.CSTNode) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Assign):
        return [target.target for target in node.targets]
    if isinstance(node, cst.AnnAssign | cst.AugAssign):
        return [node.target]
    return []


def _assignments(scope: cst.CSTNode, attr: str) -> int:
    return sum(
        _self_attr(target) == attr
        for node in m.findall(scope, m.Assign() | m.AnnAssign() | m.AugAssign())
        for target in _targets_of(node)
    )


def _assigned_elsewhere(cls: cst.ClassDef, init: cst.FunctionDef, attr: str) -> bool:
    return any(
        _assignments(statement, attr)
        for statement in cls.body.body
        if isinstance(statement, cst.FunctionDef) and statement is not init
    )


def _rebinds(init: cst.FunctionDef, name: str) -> bool:
    """The argument is given another value in `__init__` before it is stored."""
    return any(
        m.matches(target, m.Name(name))
        for node in m.findall(init.body, m.Assign() | m.AnnAssign() | m.AugAssign())
        for target in _targets_of(node)
    )


def _used_as_layer(cls: cst.ClassDef, attr: str) -> bool:
    """`self.x(...)` or `self.x.build(...)`: the attribute holds a layer."""
    held = m.Attribute(value=m.Name("self"), attr=m.Name(attr))
    return bool(
        m.findall(cls, m.Call(func=held))
        or m.findall(cls, m.Call(func=m.Attribute(value=held, attr=m.Name("build"))))
    )


# -- Where the keys go ---------------------------------------------------------------


def _add_keys(
    function: cst.FunctionDef, pairs: list[tuple[str, str]]
) -> cst.FunctionDef | None:
    """`get_config` with `pairs` (key, value code) written where it writes its own
    keys last; None where that place is not plain (a return inside an `if`, a dict
    built elsewhere)."""
    statements = list(function.body.body)
    returns = m.findall(function.body, m.Return())
    if len(returns) != 1:
        return None
    index, returned = _top_return(statements)
    if returned is None or returned.value is None:
        return None
    value = returned.value
    if isinstance(value, cst.Dict) and _writes_keys(value):
        return function.deep_replace(value, _extend_dict(value, pairs))
    names = {n.value for n in m.findall(value, m.Name())}
    for position in range(index - 1, -1, -1):
        line = statements[position]
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            continue
        statement = line.body[0]
        update = m.Expr(m.Call(func=m.Attribute(value=m.Name(), attr=m.Name("update"))))
        if m.matches(statement, update):
            call = statement.value
            if call.func.value.value not in names:
                continue
            if m.matches(call, m.Call(args=[m.Arg(m.Dict(), keyword=None)])):
                return function.deep_replace(
                    call.args[0].value, _extend_dict(call.args[0].value, pairs)
                )
            if call.args and all(arg.keyword is not None for arg in call.args):
                return function.deep_replace(call, _extend_call(call, pairs))
            return None
        if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
            continue
        target = statement.targets[0].target
        if m.matches(target, m.Subscript(value=m.Name())) and (
            target.value.value in names
        ):
            return _insert_lines(function, position + 1, target.value.value, pairs)
        if isinstance(target, cst.Name) and target.value in names:
            if isinstance(statement.value, cst.Dict):
                return function.deep_replace(
                    statement.value, _extend_dict(statement.value, pairs)
                )
            return _insert_lines(function, position + 1, target.value, pairs)
    if isinstance(value, cst.Dict):  # `{**super().get_config()}` alone
        return function.deep_replace(value, _extend_dict(value, pairs))
    return None


def _top_return(statements: list) -> tuple[int, cst.Return | None]:
    for index, line in enumerate(statements):
        if isinstance(line, cst.SimpleStatementLine):
            for statement in line.body:
                if isinstance(statement, cst.Return):
                    return index, statement
    return -1, None


def _writes_keys(value: cst.Dict) -> bool:
    """A dict literal of keys of its own (or none), not only `{**a, **b}`."""
    return not value.elements or any(
        isinstance(element, cst.DictElement) for element in value.elements
    )


def _quote(container: cst.CSTNode) -> str:
    """The quote the keys already written use."""
    for string in m.findall(container, m.SimpleString()):
        return string.quote if string.quote in {"'", '"'} else '"'
    return '"'


def _extend_dict(value: cst.Dict, pairs: list[tuple[str, str]]) -> cst.Dict:
    quote = _quote(value)
    new = [
        cst.DictElement(
            cst.SimpleString(f"{quote}{key}{quote}"), cst.parse_expression(code)
        )
        for key, code in pairs
    ]
    elements = list(value.elements)
    if not elements:
        return value.with_changes(elements=_joined(new, cst.MaybeSentinel.DEFAULT))
    last = elements[-1]
    closing = value.rbrace.whitespace_before
    inner = (
        elements[-2].comma.whitespace_after
        if len(elements) > 1 and isinstance(elements[-2].comma, cst.Comma)
        else value.lbrace.whitespace_after
    )
    if (
        isinstance(last.comma, cst.Comma)
        and isinstance(closing, cst.ParenthesizedWhitespace)
        and isinstance(inner, cst.ParenthesizedWhitespace)
    ):
        # One key a line: each new key on a line of its own before the brace; a
        # comment after the last key stays on its line.
        after_last = closing.with_changes(
            indent=inner.indent, last_line=inner.last_line
        )
        between = inner.with_changes(
            first_line=cst.TrailingWhitespace(), empty_lines=[]
        )
        out = [*elements[:-1], last.with_changes(
            comma=last.comma.with_changes(whitespace_after=after_last)
        )]  # fmt: skip
        for index, element in enumerate(new):
            space = between if index < len(new) - 1 else cst.SimpleWhitespace("")
            out.append(element.with_changes(comma=cst.Comma(whitespace_after=space)))
        end = closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        return value.with_changes(
            elements=out, rbrace=value.rbrace.with_changes(whitespace_before=end)
        )
    return value.with_changes(elements=_after(elements, new))


def _extend_call(call: cst.Call, pairs: list[tuple[str, str]]) -> cst.Call:
    new = [
        cst.Arg(
            cst.parse_expression(code),
            keyword=cst.Name(key),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        for key, code in pairs
    ]
    return call.with_changes(args=_after(list(call.args), new))


def _joined(new: list, last_comma) -> list:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [
        element.with_changes(comma=comma if index < len(new) - 1 else last_comma)
        for index, element in enumerate(new)
    ]


def _after(elements: list, new: list) -> list:
    """`elements` then `new`, on the line they are on (`, ` between)."""
    last = elements[-1]
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*elements[:-1], last.with_changes(comma=comma), *_joined(new, last.comma)]


def _insert_lines(
    function: cst.FunctionDef, position: int, name: str, pairs: list[tuple[str, str]]
) -> cst.FunctionDef:
    """`name["key"] = value` lines at `position` of the body."""
    quote = _quote(function.body)
    lines = [
        cst.parse_statement(f"{name}[{quote}{key}{quote}] = {code}\n")
        for key, code in pairs
    ]
    body = list(function.body.body)
    body[position:position] = lines
    return function.with_changes(body=function.body.with_changes(body=body))
