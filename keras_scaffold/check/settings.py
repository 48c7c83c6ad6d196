"""Which rules `check` runs on each file: `[tool.keras-scaffold.check]` in the
nearest pyproject.toml above the file that has that table, then the flags, read
as ruff reads its own settings and flags.

`select` replaces the default rules, `extend-select` adds to them, `ignore` takes
rules away, and within one source of settings the more specific selector wins
(`select = ["KS1"]`, `ignore = ["KS108"]`: KS108 is off; `select = ["KS108"]`,
`ignore = ["KS1"]`: KS108 is on). The flags come after the file's settings: a
`--select` replaces everything the file chose, `--ignore` and `--extend-select`
apply on top of it. `per-file-ignores` maps glob patterns (relative to the
pyproject.toml's folder, or a file's name) to rules left out for those files,
whatever the flags select.
"""

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from keras_scaffold.check.catalog import BY_ID, DEFAULT
from keras_scaffold.errors import CheckError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# The table's keys that choose rules; the others are `--run`'s.
RULE_KEYS = ("select", "extend-select", "ignore", "per-file-ignores")
RUN_KEYS = (
    "init", "other", "input-shape", "input-dtype", "call-inputs", "variable-axes",
)  # fmt: skip
# pyproject.toml files larger than this are refused, not read (a stray binary).
_MAX_BYTES = 1 << 20


def selectors(specs: Iterable[str], where: str = "") -> list[str]:
    """`KS101,KS2` (repeatable) as upper-case selectors, each checked: a rule ID,
    a prefix of some (`KS2`), or `ALL`."""
    found = []
    for spec in specs:
        parts = [p.strip().upper() for p in spec.split(",") if p.strip()]
        if not parts:  # `--select ''` would run nothing and pass
            raise CheckError(
                f"{where}`{spec}` names no rule; give rule IDs or prefixes, such as "
                "KS1 or KS203."
            )
        for part in parts:
            if not rules_of(part):
                raise CheckError(
                    f"{where}unknown rule `{part}`; rules are "
                    f"{', '.join(sorted(BY_ID))}."
                )
        found += parts
    return found


def rules_of(selector: str) -> set[str]:
    prefix = "KS" if selector == "ALL" else selector
    return {rule for rule in BY_ID if rule.startswith(prefix)}


def _specificity(selector: str) -> int:
    """ALL, then KS1, then KS10, then KS108: longer prefixes are more specific."""
    return 0 if selector == "ALL" else len(selector)


@dataclass(frozen=True)
class RuleSelection:
    """One source's `select` (None: not given), `extend-select` and `ignore`."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def resolve(selections: Iterable[RuleSelection]) -> frozenset[str]:
    """The rules chosen by the default set, then each selection in turn (ruff's
    `LintConfiguration::as_rule_table`)."""
    chosen = set(DEFAULT)
    carried: tuple[str, ...] = ()
    for selection in selections:
        updates: dict[str, bool] = {}
        ignores, carried = (*selection.ignore, *carried), ()
        on = [*(selection.select or ()), *selection.extend_select]
        for level in sorted({_specificity(s) for s in [*on, *ignores]}):
            for selector in on:
                if _specificity(selector) == level:
                    updates.update(dict.fromkeys(rules_of(selector), True))
            for selector in ignores:
                if _specificity(selector) == level:
                    updates.update(dict.fromkeys(rules_of(selector), False))
        if selection.select is not None:
            chosen = {rule for rule, enabled in updates.items() if enabled}
            if not selection.select and not selection.extend_select:
                carried = selection.ignore  # `select = []`: ignores carry over
        else:
            for rule, enabled in updates.items():
                (chosen.add if enabled else chosen.discard)(rule)
    return frozenset(chosen)


@dataclass
class Settings:
    """A pyproject.toml's `[tool.keras-scaffold.check]` rule settings."""

    file: Path
    selection: RuleSelection
    per_file_ignores: list[tuple[re.Pattern, str, frozenset[str]]] = field(
        default_factory=list
    )  # (the pattern, as a regex of the path relative to the folder, the
    # pattern as written, the rules)

    @property
    def root(self) -> Path:
        return self.file.parent

    def ignored_for(self, path: Path) -> set[str]:
        """The rules `per-file-ignores` leaves out for `path`."""
        try:
            relative = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = None
        found: set[str] = set()
        for regex, pattern, rules in self.per_file_ignores:
            if (relative is not None and regex.fullmatch(relative)) or (
                "/" not in pattern and regex.fullmatch(path.name)
            ):
                found |= rules
        return found


def read_settings(pyproject: Path) -> Settings | None:
    """The rule settings of one pyproject.toml; None where it has no
    `[tool.keras-scaffold.check]` table. Anything wrong is one CheckError line."""
    try:
        with open(pyproject, "rb") as file:
            data = file.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES:
            raise CheckError(f"{pyproject}: larger than 1 MiB; not read.")
        table = tomllib.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        text = " ".join(str(error).split()) or type(error).__name__
        raise CheckError(f"cannot read {pyproject}: {text}") from None
    for key in ("tool", "keras-scaffold", "check"):
        table = table.get(key) if isinstance(table, dict) else None
    if table is None:
        return None
    where = f"{pyproject}: [tool.keras-scaffold.check] "
    if not isinstance(table, dict):
        raise CheckError(f"{where}must be a table.")
    unknown = sorted(set(table) - {*RULE_KEYS, *RUN_KEYS})
    if unknown:
        raise CheckError(
            f"{where}has no setting `{unknown[0]}`; settings are "
            f"{', '.join(RULE_KEYS + RUN_KEYS)}."
        )
    select = _rule_list(table, "select", where)
    selection = RuleSelection(
        None if select is None else tuple(select),
        tuple(_rule_list(table, "extend-select", where) or ()),
        tuple(_rule_list(table, "ignore", where) or ()),
    )
    ignores = table.get("per-file-ignores", {})
    if not isinstance(ignores, dict):
        raise CheckError(
            f"{where}per-file-ignores must be a table of glob patterns, such as "
            '{"tests/*" = ["KS101"]}.'
        )
    per_file = []
    for pattern in ignores:
        names = _rule_list(ignores, pattern, f"{where}per-file-ignores ")
        chosen = frozenset(rule for name in names for rule in rules_of(name))
        per_file.append((_glob(pattern, where), pattern, chosen))
    return Settings(pyproject, selection, per_file)


def _rule_list(table: dict, key: str, where: str) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CheckError(
            f'{where}`{key}` must be a list of rule IDs or prefixes, such as ["KS1", '
            '"KS203"].'
        )
    return selectors(value, where) if value else []


def _glob(pattern: str, where: str) -> re.Pattern:
    """A glob as ruff (globset) reads it: `*` and `?` within one folder's name,
    `**` across folders, `[...]` a class of characters."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end < 0:
                raise CheckError(
                    f"{where}per-file-ignores pattern `{pattern}` has an unclosed "
                    "`[`."
                )
            body = pattern[index + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out).removeprefix(r"\./"))


class Selection:
    """The rules to run on each file: the settings above it, then the flags."""

    def __init__(self, flags: RuleSelection, read: bool = True) -> None:
        self.flags = flags
        self.read = read  # False: the flags alone (no pyproject.toml is read)
        self._by_folder: dict[Path, Settings | None] = {}
        self._rules: dict[int, frozenset[str]] = {}

    def settings_for(self, path: Path) -> Settings | None:
        if not self.read:
            return None
        folder = path.resolve().parent
        walked = []
        found = None
        while True:
            if folder in self._by_folder:
                found = self._by_folder[folder]
                break
            walked.append(folder)
            pyproject = folder / "pyproject.toml"
            if pyproject.is_file():
                found = read_settings(pyproject)
                if found is not None:
                    break
            if folder.parent == folder:
                break
            folder = folder.parent
        for each in walked:
            self._by_folder[each] = found
        return found

    def rules_for(self, path: Path) -> frozenset[str]:
        settings = self.settings_for(path)
        key = id(settings)
        if key not in self._rules:
            chain = [settings.selection] if settings is not None else []
            self._rules[key] = resolve([*chain, self.flags])
        rules = self._rules[key]
        return rules - settings.ignored_for(path) if settings is not None else rules
