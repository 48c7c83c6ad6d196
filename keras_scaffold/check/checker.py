"""Run the static rules over files: read, parse, select, suppress, sort.

Nothing here imports Keras or the code it reads.
"""

import contextlib
import gc
import os
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from keras_scaffold.check.catalog import BY_ID, DEFAULT
from keras_scaffold.check.finder import Module
from keras_scaffold.check.findings import Finding
from keras_scaffold.check.index import Index, module_location, parse
from keras_scaffold.check.rules import CLASS_RULES, MODULE_RULES, Hit
from keras_scaffold.check.settings import (
    RuleSelection,
    Selection,
    rules_of,
    selectors,
)
from keras_scaffold.errors import CheckError

# Folders a directory walk never enters.
_SKIPPED_DIRS = {"__pycache__", "node_modules", "site-packages", "venv"}
_NOQA = re.compile(r"#\s*keras-scaffold:\s*noqa\b:?((?:[\s,]*KS\d+)*)", re.IGNORECASE)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per unreadable file
    files: int = 0
    audited: list[tuple[str, str]] = field(default_factory=list)  # (path, class)
    # (path, class) -> its first line (decorators included) and its last line.
    spans: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def classes(self) -> int:
        """How many Keras classes were audited."""
        return len(self.audited)


def parse_rules(specs: Iterable[str]) -> set[str]:
    """`KS101,KS2` (repeatable) as the rule IDs they name; a prefix names a group."""
    return {rule for part in selectors(specs) for rule in rules_of(part)}


def one_rule(text: str) -> str:
    """The rule ID `text` names exactly (for `--explain`)."""
    if text.strip().upper() not in BY_ID:
        raise CheckError(
            f"unknown rule `{text}`; rules are {', '.join(sorted(BY_ID))}."
        )
    return text.strip().upper()


def python_files(paths: Iterable[Path], errors: list[str] | None = None) -> list[Path]:
    """The files named, and every *.py file under the folders named. Only regular
    files: a FIFO or a device named *.py is passed over (reading it would hang). A
    folder that cannot be listed is added to `errors`, if given."""
    found: list[Path] = []

    def unlistable(error: OSError) -> None:
        if errors is not None:
            errors.append(f"{error.filename}: cannot read folder: {error.strerror}")

    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, onerror=unlistable):
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS
                )
                found.extend(
                    Path(root, f)
                    for f in sorted(files)
                    if f.endswith(".py") and Path(root, f).is_file()
                )
        elif path.is_file():
            found.append(path)
        elif not path.exists():
            raise CheckError(f"{path}: no such file or folder.")
        # Else a FIFO, a socket or a device: not a source file.
    return found


def read_module(path: Path) -> tuple[Module | None, str | None]:
    """A file parsed as Python reads it (a BOM or a coding cookie, else UTF-8), or
    the one line that says why it cannot be."""
    try:
        with tokenize.open(path) as file:
            source = file.read()
    except (OSError, SyntaxError, UnicodeError, LookupError) as error:
        return None, f"{path}: cannot read: {_one_line(error)}"
    root, name = module_location(path)
    try:
        module = parse(str(path), source, name)
    except SyntaxError as error:
        return None, (
            f"{path}:{error.lineno or 0}:{error.offset or 0}: syntax error: {error.msg}"
        )
    except ValueError as error:  # a NUL byte, on Python 3.11
        return None, f"{path}: cannot read: {_one_line(error)}"
    except (RecursionError, MemoryError):
        return None, f"{path}: nested too deeply for Python's parser"
    module.root = root
    return module, None


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def check_paths(
    paths: Iterable[Path],
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
    settings: bool = True,
) -> Report:
    """Check the files: the rules of `[tool.keras-scaffold.check]` above each file
    (unless `settings` is False), then the flags' `select`, `ignore` and
    `extend_select` (see `keras_scaffold.check.settings`)."""
    return check_with(paths, flag_selection(select, ignore, extend_select), settings)


def flag_selection(
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> RuleSelection:
    """What the flags choose (each checked: an unknown rule is a CheckError)."""
    chosen = selectors(select)
    return RuleSelection(
        tuple(chosen) if chosen else None,
        tuple(selectors(extend_select)),
        tuple(selectors(ignore)),
    )


def check_with(
    paths: Iterable[Path], flags: RuleSelection, settings: bool = True
) -> Report:
    selection = Selection(flags, settings)
    with _no_cycle_collection():
        return _check(paths, selection)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while files are read and checked: the
    parsed trees are millions of long-lived objects that each full collection
    scans again (a third of the time on a 26,000-line file), and what the rules
    make is freed by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check(paths: Iterable[Path], selection: Selection) -> Report:
    report = Report()
    index = Index()
    for path in python_files(paths, report.errors):
        report.files += 1
        module, error = read_module(path)
        if module is None:
            report.errors.append(error)
        else:
            index.add(module, module.root)
    index.link()
    for module in index.checked:
        # (A pyproject.toml that cannot be read stops the check: CheckError.)
        rules = selection.rules_for(Path(module.path))
        try:
            report.findings.extend(_findings(module, rules))
        except RecursionError:
            report.errors.append(f"{module.path}: nested too deeply to check")
            continue
        for cls in module.classes:
            report.audited.append((module.path, cls.name))
            node = cls.node
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            span = (first, node.end_lineno or node.lineno)
            report.spans.setdefault((module.path, cls.name), span)
    index.release()
    report.findings.sort()
    return report


def only_classes(report: Report, named: dict[Path, set[str]]) -> None:
    """Keep, in each file of `named` (resolved), only its named classes: the
    classes audited and the findings within their lines."""
    if not named:
        return
    spans: dict[Path, list[tuple[int, int]]] = {}
    audited = []
    for path, name in report.audited:
        wanted = named.get(Path(path).resolve())
        if wanted is None or name in wanted:
            audited.append((path, name))
            if wanted is not None:
                spans.setdefault(Path(path).resolve(), []).append(
                    report.spans[(path, name)]
                )
    report.audited = audited
    report.findings = [
        finding
        for finding in report.findings
        if (resolved := Path(finding.path).resolve()) not in named
        or any(first <= finding.line <= last for first, last in spans.get(resolved, ()))
    ]


def check_source(
    path: str, source: str, rules: set[str] | None = None
) -> list[Finding]:
    """The findings in one file's source, read alone (raises SyntaxError)."""
    module = parse(path, source)
    index = Index()
    index.add(module)
    index.link()
    return _findings(module, set(DEFAULT) if rules is None else rules)


def _findings(module: Module, rules: set[str] | frozenset[str]) -> list[Finding]:
    hits: list[Hit] = [hit for rule in MODULE_RULES for hit in rule(module)]
    for cls in module.classes:
        hits.extend(hit for rule in CLASS_RULES for hit in rule(module, cls))
    suppressed = _suppressions(module.lines)
    findings = set()
    for hit in hits:
        if hit.rule not in rules:
            continue
        line = getattr(hit.node, "lineno", 1)
        lines = [line] + ([hit.owner.lineno] if hit.owner is not None else [])
        if any(_is_suppressed(suppressed.get(n), hit.rule) for n in lines):
            continue
        findings.add(
            Finding(
                module.path,
                line,
                _column(module.lines, line, getattr(hit.node, "col_offset", 0)),
                hit.rule,
                hit.message,
                BY_ID[hit.rule].hint,
            )
        )
    return sorted(findings)


def _column(lines: list[str], line: int, offset: int) -> int:
    """ast's UTF-8 byte offset as a 1-based character column."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:offset].decode("utf-8", errors="replace")) + 1


def _suppressions(lines: list[str]) -> dict[int, set[str]]:
    """Line number -> the rules its noqa comment names (empty: every rule)."""
    found = {}
    for number, text in enumerate(lines, start=1):
        if "keras-scaffold" not in text:
            continue
        match = _NOQA.search(text)
        if match:
            found[number] = set(re.findall(r"KS\d+", match.group(1).upper()))
    return found


def _is_suppressed(names: set[str] | None, rule: str) -> bool:
    return names is not None and (not names or rule in names)
