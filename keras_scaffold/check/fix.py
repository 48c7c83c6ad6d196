"""`check --fix` / `--diff`: the mechanical fixes, made on the concrete syntax tree.

LibCST keeps every byte the fix does not touch (formatting, comments, the file's
encoding and line endings), so a fixed file differs from the original only where
the fix is. Each fixable rule has a fixer that edits the node a finding points at:

- KS203 (safe): `dtype=self.dtype_policy` on the sub-layer's construction (added,
  or replacing `dtype=None` / `dtype=self.dtype`), inside a method whose first
  argument is `self`.
- KS101 (safe): `@keras.saving.register_keras_serializable(package=...)` on the
  class, the package being the project's (`keras-scaffold init`), else the file's
  top-level package, else its name; where two classes fixed in one run would be
  registered under the same name, the module's dotted name is the package. `import
  keras` is added where the module binds no `keras`.
- KS107 (safe), where the cause is an `__init__` of the class's own without
  `**kwargs`: `**kwargs` taken and passed to the `super().__init__(...)` call, so
  that the `name`, `trainable` and `dtype` Keras's config adds reach `Layer`.
- KS105 (unsafe: the loaded layer gets the saved name, trainable flag and dtype
  policy, which it did not before): `{**super().get_config(), ...}` for the dict a
  `get_config` returns (a literal, or the literal a returned name is bound to).
- KS104 (safe or unsafe by what `__init__` stores: `fix_config.py`): the
  arguments a `get_config` lacks, added as keys where it writes its own.

A fix that can change what the code does beyond the defect is unsafe, and made only
with `--unsafe-fixes`, as in ruff.
"""

import difflib
import io
import os
import tempfile
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import libcst.helpers
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from keras_scaffold.check.findings import Finding
from keras_scaffold.check.fix_config import AddConfigKeys, missing_keys
from keras_scaffold.check.index import module_location
from keras_scaffold.errors import CheckError, ScaffoldError
from keras_scaffold.project import find_project

SAFE = {"KS101", "KS107", "KS203"}
UNSAFE = {"KS105"}
EACH = {"KS104"}  # safe or unsafe finding by finding: the fixer tells


def fixable(rule: str, unsafe: bool) -> bool:
    return rule in SAFE or rule in EACH or (unsafe and rule in UNSAFE)


@dataclass
class Plan:
    """The fixed text of each file, and how many findings each fix answers."""

    texts: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)  # old, new
    fixed: int = 0
    hidden: int = 0  # unsafe fixes not made (no --unsafe-fixes)
    errors: list[str] = field(default_factory=list)

    def diff(self) -> str:
        out = []
        for path, (old, new) in sorted(self.texts.items()):
            encoding = _encoding(old)
            out += difflib.unified_diff(
                old.decode(encoding).splitlines(True),
                new.decode(encoding).splitlines(True),
                f"a/{path}",
                f"b/{path}",
            )
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)

    def write(self) -> None:
        for path, (old, new) in sorted(self.texts.items()):
            _write_bytes(path, new, old)


def plan(findings: Iterable[Finding], unsafe: bool) -> Plan:
    """The fixes of `findings`, file by file (nothing is written)."""
    result = Plan()
    by_file: dict[Path, list[Finding]] = {}
    for finding in findings:
        if fixable(finding.rule, unsafe):
            by_file.setdefault(Path(finding.path), []).append(finding)
        elif finding.rule in UNSAFE:
            result.hidden += 1
    packages = _packages(by_file)
    for path, found in sorted(by_file.items()):
        if path.is_symlink():
            result.errors.append(f"{path}: a link; not fixed (fix the file it names)")
            continue
        try:
            old = path.read_bytes()
        except OSError as error:
            result.errors.append(f"{path}: cannot read: {error.strerror}")
            continue
        try:
            new, count, hidden = fix_source(old, found, packages.get(path, {}), unsafe)
        except cst.ParserSyntaxError as error:
            result.errors.append(f"{path}: LibCST cannot parse it: {error.message}")
            continue
        result.hidden += hidden
        if new != old:
            result.texts[path] = (old, new)
            result.fixed += count
    return result


def fix_source(
    source: bytes, findings: list[Finding], packages: dict[str, str], unsafe: bool
) -> tuple[bytes, int, int]:
    """`source` with the fixes of `findings` (of this file) made, how many findings
    they answer and how many unsafe ones were not made (no `unsafe`). `packages`:
    the package to register each class under."""
    module = cst.parse_module(source)
    fixer = _Fixer(findings, packages)
    fixed = MetadataWrapper(module).visit(fixer)
    count, hidden = fixer.count, 0
    missing = missing_keys(findings)
    if missing:  # by class name, not position: the fixes above move lines
        keys = AddConfigKeys(missing, unsafe)
        fixed = MetadataWrapper(fixed).visit(keys)
        count, hidden = count + keys.count, keys.hidden
    if fixer.needs_keras:
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, "keras")
        fixed = AddImportsVisitor(context).transform_module(fixed)
    return fixed.bytes, count, hidden


class _Fixer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, findings: list[Finding], packages: dict[str, str]) -> None:
        super().__init__()
        self.calls = {(f.line, f.column - 1) for f in findings if f.rule == "KS203"}
        self.classes = {f.line for f in findings if f.rule == "KS101"}
        self.configs = {f.line for f in findings if f.rule == "KS105"}
        self.inits = {
            f.line
            for f in findings
            if f.rule == "KS107"
            and "(it has no `**kwargs`)" in f.message
            and "hands through" not in f.message
        }
        self.packages = packages
        self.selves: list[str | None] = []  # first argument of each enclosing def
        self.bound: set[str] = set()
        self.needs_keras = False
        self.count = 0

    # -- where we are ------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        self.bound = _module_names(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params.params
        self.selves.append(params[0].name.value if params else None)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.selves.pop()
        line = self.get_metadata(PositionProvider, original.name).start.line
        if line in self.inits and original.name.value == "__init__":
            fixed = _take_kwargs(updated)
            if fixed is not updated:
                self.count += 1
                return fixed
        if line in self.configs and original.name.value == "get_config":
            fixed = _merge_base_config(updated)
            if fixed is not updated:
                self.count += 1
                return fixed
        return updated

    # -- KS203 -------------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        start = self.get_metadata(PositionProvider, original).start
        if (start.line, start.column) not in self.calls or isinstance(
            original.func, cst.Call
        ):
            return updated  # (`Dense(4)(x)`: the outer call starts there too)
        if not self.selves or self.selves[-1] != "self":
            return updated  # no `self` here to take the policy from
        policy = cst.parse_expression("self.dtype_policy")
        args = list(updated.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == "dtype":
                args[index] = arg.with_changes(value=policy)
                break
            if arg.star == "**":
                return updated  # `**kwargs` may carry a dtype already
        else:
            args = _append(updated, args, policy)
        self.count += 1
        return updated.with_changes(args=args)

    # -- KS101 -------------------------------------------------------------------

    def leave_ClassDef(
        self, original: cst.ClassDef, updated: cst.ClassDef
    ) -> cst.ClassDef:
        line = self.get_metadata(PositionProvider, original.name).start.line
        if line not in self.classes:
            return updated
        package = self.packages.get(original.name.value)
        if package is None:
            return updated
        decorator = cst.Decorator(
            cst.parse_expression(
                f'keras.saving.register_keras_serializable(package="{package}")'
            )
        )
        self.needs_keras = self.needs_keras or "keras" not in self.bound
        self.count += 1
        return updated.with_changes(decorators=[decorator, *updated.decorators])


def _append(call: cst.Call, args: list[cst.Arg], value: cst.BaseExpression) -> list:
    """`args` with `dtype=value` last, laid out as the arguments before it are."""
    new = cst.Arg(
        keyword=cst.Name("dtype"),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    if not args:
        return [new]
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # one argument a line, trailing comma
        between = (
            args[-2].comma
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else cst.Comma(whitespace_after=call.whitespace_before_args)
        )
        return [*args[:-1], last.with_changes(comma=between), new.with_changes(
            comma=last.comma
        )]  # fmt: skip
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*args[:-1], last.with_changes(comma=comma), new]


class _HandKwargs(cst.CSTTransformer):
    """`**kwargs` added to the `super().__init__(...)` calls of one function."""

    def __init__(self) -> None:
        super().__init__()
        self.found = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not self.found and node.name.value == "__init__"  # not nested ones

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func = updated.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "__init__"
            and isinstance(func.value, cst.Call)
            and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super"
        ):
            return updated
        self.found += 1
        if any(arg.star == "**" for arg in updated.args):
            return updated
        kwargs = cst.Arg(value=cst.Name("kwargs"), star="**")
        args = list(updated.args)
        if args:
            last = args[-1]
            if isinstance(last.comma, cst.Comma):
                return updated.with_changes(
                    args=[*args[:-1], last, kwargs.with_changes(comma=last.comma)]
                )
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args[-1] = last.with_changes(comma=comma)
        return updated.with_changes(args=[*args, kwargs])


def _take_kwargs(function: cst.FunctionDef) -> cst.FunctionDef:
    """`def __init__(self, a, **kwargs)` handing `**kwargs` to `super().__init__`;
    unchanged where it has a `**` already or calls no `super().__init__`."""
    if function.params.star_kwarg is not None:
        return function
    hand = _HandKwargs()
    body = function.body.visit(hand)
    if hand.found != 1:
        return function
    params = function.params.with_changes(star_kwarg=cst.Param(cst.Name("kwargs")))
    return function.with_changes(params=params, body=body)


def _merge_base_config(function: cst.FunctionDef) -> cst.FunctionDef:
    """`return {...}` as `return {**super().get_config(), ...}` (or the dict
    literal the returned name is first bound to)."""
    base = cst.StarredDictElement(cst.parse_expression("super().get_config()"))
    returned = [
        statement
        for line in function.body.body
        if isinstance(line, cst.SimpleStatementLine)
        for statement in line.body
        if isinstance(statement, cst.Return)
    ]
    if len(returned) != 1 or returned[0].value is None:
        return function
    value = returned[0].value
    if isinstance(value, cst.Dict):
        target = value
    elif isinstance(value, cst.Name):
        target = _bound_dict(function, value.value)
        if target is None:
            return function
    else:
        return function
    merged = target.with_changes(
        elements=[
            base.with_changes(
                comma=(
                    cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    if target.elements
                    else cst.MaybeSentinel.DEFAULT
                )
            ),
            *target.elements,
        ]
    )
    return function.deep_replace(target, merged)


def _bound_dict(function: cst.FunctionDef, name: str) -> cst.Dict | None:
    for line in function.body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if (
                isinstance(statement, cst.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)
                and statement.targets[0].target.value == name
            ):
                value = statement.value
                return value if isinstance(value, cst.Dict) else None
    return None


def _module_names(module: cst.Module) -> set[str]:
    """The names the module's top-level imports bind."""
    bound = set()
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if isinstance(statement, cst.Import | cst.ImportFrom) and not isinstance(
                statement.names, cst.ImportStar
            ):
                for alias in statement.names:
                    if alias.asname is not None:
                        bound.add(alias.asname.name.value)
                    else:
                        full = cst.helpers.get_full_name_for_node(alias.name) or ""
                        bound.add(full.split(".")[0])
    return bound


def _packages(by_file: dict[Path, list[Finding]]) -> dict[Path, dict[str, str]]:
    """The package each class KS101 fixes is registered under: the project's,
    else the top-level package the file is in, else the file's name; the module's
    dotted name where two classes of the run would take the same name."""
    wanted: dict[Path, dict[str, str]] = {}
    dotted: dict[Path, str] = {}
    for path, found in by_file.items():
        names = [f.message.split("`")[1] for f in found if f.rule == "KS101"]
        if not names:
            continue
        try:
            project = find_project(path.parent)
        except ScaffoldError:  # settings `init` did not write: not its project
            project = None
        _, module = module_location(path)
        dotted[path] = module or path.stem
        package = (
            project.package if project is not None else module.split(".")[0]
        ) or path.stem
        wanted[path] = dict.fromkeys(names, package)
    seen: dict[tuple[str, str], int] = {}
    for names in wanted.values():
        for name, package in names.items():
            seen[(package, name)] = seen.get((package, name), 0) + 1
    for path, names in wanted.items():
        for name, package in names.items():
            if seen[(package, name)] > 1:
                names[name] = dotted[path]
    return wanted


def _encoding(data: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def _write_bytes(path: Path, data: bytes, expected: bytes) -> None:
    """Through a temporary file and a rename; refused if the file changed."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        if path.read_bytes() != expected:
            raise CheckError(f"{path} changed while keras-scaffold ran; not fixed.")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
