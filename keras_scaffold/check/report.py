"""Print findings: ruff-like text, JSON, or GitHub Actions annotations."""

import json
import sys
import textwrap
from pathlib import Path

from keras_scaffold.check.catalog import BY_ID, GROUPS, RULES, RUN_RULES
from keras_scaffold.check.findings import Finding

FORMATS = ("text", "json", "github")


def audited(classes: int, files: int) -> str:
    """What was audited: "12 classes in 3 files"."""
    return (
        f"{classes} {'class' if classes == 1 else 'classes'} in "
        f"{files} {'file' if files == 1 else 'files'}"
    )


def render(
    findings: list[Finding], files: int, output_format: str, classes: int = 0
) -> str:
    if output_format == "json":
        return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"
    if output_format == "github":
        return "".join(_annotation(f) + "\n" for f in findings)
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.rule} {f.message}\n  hint: {f.hint}"
        for f in findings
    ]
    if findings:
        lines.append(f"Found {len(findings)} finding(s) ({audited(classes, files)}).")
    else:
        lines.append(f"All checks passed ({audited(classes, files)}).")
    return "\n".join(lines) + "\n"


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _annotation(f: Finding) -> str:
    return (
        f"::error file={_escape(f.path, True)},line={f.line},col={f.column},"
        f"title={_escape(f.rule, True)}::{_escape(f.message)}%0Ahint: "
        f"{_escape(f.hint)}"
    )


def explain(rule_id: str) -> str:
    """What `check --explain RULE` prints: the rule, why, and a bad and good example."""
    rule = BY_ID[rule_id]
    text = (
        f"{rule.id}: {rule.title} ({GROUPS[rule.id[:3]]})\n\n"
        f"{textwrap.fill(rule.explanation, 79)}\n\n"
        f"{textwrap.fill(f'Fix: {rule.hint}.', 79)}\n"
    )
    if not rule.bad:  # a --run rule: the failing check is the example
        return text
    return f"{text}\nBad:\n\n{_indent(rule.bad)}\nGood:\n\n{_indent(rule.good)}"


def _indent(code: str) -> str:
    return "".join(
        f"    {line}" if line.strip() else "\n" for line in code.splitlines(True)
    )


RULES_PAGE_HEAD = """\
<!-- Generated from keras_scaffold/check/catalog.py: do not edit. After changing the
catalog, run `python -m keras_scaffold.check.report docs/rules.md`. -->

# `check` rules

What `keras-scaffold check` reports (the KS1 to KS6 rules, read from the source) and
what `check --run` reports (KS9, from running the generated tests' checks), as
`keras-scaffold check --explain RULE` prints them. Each rule's bad example breaks it
and its good example breaks no rule (a test holds them to that). How to select,
suppress and read the findings: [checking.md](checking.md).

"""


def rules_markdown() -> str:
    """The rules page: a table, then a section per rule."""
    out = ["| rule | group | what it reports |", "|---|---|---|"]
    out += [
        f"| [{r.id}](#{r.id.lower()}) | {GROUPS[r.id[:3]]} | {r.title} |" for r in RULES
    ]
    out += [
        f"| [{r.id}](#{r.id.lower()}) | {GROUPS[r.id[:3]]} | {r.title} |"
        for r in RUN_RULES
    ]
    for rule in RULES:
        out += [
            "",
            f"## {rule.id}",
            "",
            f"**{rule.title}.** {rule.explanation}",
            "",
            f"Fix: {rule.hint}.",
            "",
            "<details><summary>Bad and good</summary>",
            "",
            "```python",
            rule.bad.rstrip(),
            "```",
            "",
            "```python",
            rule.good.rstrip(),
            "```",
            "",
            "</details>",
        ]
    for rule in RUN_RULES:
        out += ["", f"## {rule.id}", "", f"**{rule.title}.** {rule.explanation}"]
        out += ["", f"Fix: {rule.hint}."]
    return "\n".join(out) + "\n"


def rules_page() -> str:
    """docs/rules.md, whole."""
    return RULES_PAGE_HEAD + rules_markdown()


def write_rules_page(path: Path) -> bool:
    """Write the rules page to `path`; True if it changed. A file that is not a
    generated rules page (the README, say) is refused, not overwritten."""
    text = rules_page()
    if path.is_file():
        before = path.read_text(encoding="utf-8")
        if before == text:
            return False
        if not before.startswith(RULES_PAGE_HEAD.splitlines()[0]):
            raise SystemExit(f"{path} is not the generated rules page; not written.")
    path.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":  # python -m keras_scaffold.check.report docs/rules.md
    print("updated" if write_rules_page(Path(sys.argv[1])) else "up to date")
