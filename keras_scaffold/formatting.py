"""Black formatting of generated Python, cached a definition at a time.

A template change reaches every component of its pattern, and no two of their
modules are the same text (each holds its own class name), so a cache of black's
output by whole text misses on every one, and black was four fifths of a full
`regenerate`. Yet most of each module is methods that are the same text in every
component, and that the change did not touch.

So a module is cut into pieces where black's output does not depend on what came
before: at a top-level `def`/`class` (or its decorators), and at a method of a
top-level class (whose body is indented four spaces), that follows a blank line
after a compound statement at its own depth (the last logical line before it is
deeper). Black's EmptyLineTracker then puts two blank lines at the top level and
one in a class, whatever the text had, and keeps nothing from before: the
previous line is no decorator, comment or module docstring (before a decorator
it would give one), and the stack of definitions it pops there has the same
shape in the piece (for a method, the stand-in class stands for the real one, so
what follows the class also gets the same blank lines). Each piece is formatted
on its own, a method inside a stand-in `class _:` so that it keeps its depth,
with the target versions black would detect on the whole text (the union of the
pieces' features: black finds each in one statement), and cached.

Lines are judged as Python reads them, not as text: a line inside a string, in
brackets or after a backslash is no statement (a docstring's indented last line
is no body, `class X:` in a string no class). The scan that tells them apart
knows Python's strings, comments, brackets and continuations (tests hold it
equal to Python's tokenizer); where it cannot follow a text (a quote it cannot
close, brackets that do not balance, an f-string whose braces do not, as with
Python 3.12's nested quotes) the text is formatted whole.

The result is black's output for the whole text, byte for byte: tests hold the two
equal on every pattern's files with random answers, on Keras's own source and on
generated modules of what team templates hold. A text not cut safely (a
directive black honours, `# fmt: off/on/skip` and `# yapf: disable/enable`; tabs,
carriage returns or form feeds; no place to cut) is formatted whole, and so is
one whose pieces black cannot read, so black's own error is the one reported.
"""

import bisect
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from keras_scaffold import cache
from keras_scaffold.errors import TemplateError

# A definition's first line, at the top level or (with its indent) in a class,
# after a blank line: where a cut may go, if the scan below agrees.
_CANDIDATE = re.compile(r"(?<=\n)(?:[ ]*\n)+((?:    )?)(?:@|def |async def |class )")
# What Python reads across line ends: a string (any prefix: its letters are in
# the run before it), a bracket, a backslash continuation; each match is one of
# them, or the text's end, after the run of code, comments and line ends before
# it (with any brackets opened and closed on one line, nested once): the run
# stops only where one of them matches, so it never gives back what it took.
# A quote that no string closes, or a backslash elsewhere, is `other`: the text
# is formatted whole.
_PLAIN = r"""[^'"\#()\[\]{}\\\n]"""
_FLAT = rf"(?:\({_PLAIN}*\)|\[{_PLAIN}*\]|\{{{_PLAIN}*\}})"
_NESTED = rf"(?:{_PLAIN}|{_FLAT})*"
_SCAN = re.compile(
    rf"""
    (?:[^'"\#()\[\]{{}}\\]+|\#[^\n]*
      |\({_NESTED}\)|\[{_NESTED}\]|\{{{_NESTED}\}})*
    (?:
      (?P<string>
        '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
      | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
      | '[^'\\\n]*(?:\\.[^'\\\n]*)*'
      | "[^"\\\n]*(?:\\.[^"\\\n]*)*"
      )
    | (?P<open>[(\[{{])
    | (?P<close>[)\]}}])
    | (?P<continuation>\\\n)
    | (?P<other>['"\\])
    | (?P<end>\Z)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
# A line at column 0 that may start a top-level statement (not a decorator,
# which comes with the statement after it), and one that may start a class.
_COLUMN_0 = re.compile(r"^[^ \n#@]", re.MULTILINE)
_CLASS = re.compile(r"^class ", re.MULTILINE)
_SPACES = re.compile("[ ]*")
_WRAPPER = "class _:\n"
# The directives black honours (black.comments' FMT_OFF, FMT_ON and FMT_SKIP,
# `# yapf: disable` among them) hold one of these; with tabs' columns and other
# line ends, black handles them across lines in ways a cut could change: where
# any occurs, the text is formatted whole.
_DIRECTIVES = ("fmt:", "yapf:")
_NOT_CUT = (*_DIRECTIVES, "\r", "\f", "\v", "\t")

# This process's pieces and texts (`new` and `regenerate` format many modules that
# share most of their methods), in front of the user's cache; emptied when full.
_memo: dict[tuple[str, ...], str] = {}
_MEMO_ENTRIES = 4096


@functools.cache
def black_version() -> str:
    """Black's version, without importing black (over a tenth of a second: a
    command whose files are all known needs no black) nor importlib.metadata (a
    twentieth): black keeps it in a module of its own, `_black_version`."""
    try:
        from _black_version import version
    except ImportError:  # a black built otherwise
        import importlib.metadata

        return importlib.metadata.version("black")
    return version


def format_python(path: str, text: str) -> str:
    """Black-format a generated Python file; other files are returned as they are.

    Black's output is kept in the user's cache: for each piece of a text that is
    cut, else for the whole text."""
    if not path.endswith(".py"):
        return text
    formatted = _memo.get(("whole", text))
    if formatted is None:
        pieces = cut(text)
        formatted = _format_pieces(pieces) if len(pieces) > 1 else None
        if formatted is None:
            entry = cache.key(black_version(), "default mode", text)
            formatted = cache.read("black", entry)
            if formatted is None:
                formatted = _format_whole(path, text)
                cache.write("black", entry, formatted)
        _remember(("whole", text), formatted)
    return formatted


@dataclass(frozen=True)
class Piece:
    """A stretch of a module: a top-level one (depth 0) or a method (depth 1)."""

    depth: int
    text: str

    @functools.cached_property
    def source(self) -> str:
        """What black formats: a method inside the stand-in class."""
        return _WRAPPER + self.text if self.depth else self.text


def cut(text: str) -> list[Piece]:
    """`text` cut before each definition whose blank lines black fixes (see the
    module's docstring); one piece where there is no such place."""
    if any(sign in text for sign in _NOT_CUT):
        return [Piece(0, text)]
    candidates = list(_CANDIDATE.finditer(text))
    lines = _Lines.scan(text) if candidates else None
    if lines is None:
        return [Piece(0, text)]
    starts = [(0, 0)]  # (offset, depth) where each piece starts
    for match in candidates:
        offset = match.start(1)
        depth = 1 if match.group(1) else 0
        if not lines.is_start(offset):
            continue  # in a string or brackets
        if depth and not lines.in_a_class(offset):
            continue  # not a method of a top-level class
        before = text.rfind("\n", 0, match.start() - 1) + 1
        if _ends_a_body(text, before, match.start() - 1, lines, depth):
            starts.append((offset, depth))
    ends = [offset for offset, _ in starts[1:]] + [len(text)]
    return [
        Piece(depth, text[start:end].rstrip(" \n") + "\n")
        for (start, depth), end in zip(starts, ends, strict=True)
    ]


def _indent(text: str, offset: int) -> int:
    """The spaces the line at `offset` starts with."""
    return _SPACES.match(text, offset).end() - offset


def _ends_a_body(text: str, start: int, end: int, lines: "_Lines", depth: int) -> bool:
    """Whether the line `text[start:end]`, the last before a definition at
    `depth`, closes the body of the compound statement before it: code rather
    than a comment (black moves a comment with what follows it), not continued,
    and in a logical line that starts deeper than the definition (a line inside a
    string or brackets counts where its statement starts: a module docstring's
    indented last line is at the top level, and black puts one blank line, not
    two, between a module docstring and a decorator)."""
    line = text[start:end]
    if line.lstrip(" ").startswith("#") or line.endswith("\\"):
        return False
    return _indent(text, lines.statement(start)) > 4 * depth


class _Lines:
    """Where a text's logical lines start, as Python reads them: the spans of a
    text that carry a logical line over a line end (a string, brackets, a
    backslash); a line that starts inside one continues the line before."""

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.text = text
        self.spans = spans
        self.span_starts = [start for start, _ in spans]
        self.class_ends: dict[int, int] = {}

    @classmethod
    def scan(cls, text: str) -> "_Lines | None":
        """The lines of `text`, or None where the scan cannot follow it."""
        spans, depth, opened = [], 0, 0
        for match in _SCAN.finditer(text):
            kind = match.lastgroup
            start, end = match.span(kind)
            if kind == "open":
                opened = start if not depth else opened
                depth += 1
            elif kind == "close":
                depth -= 1
                if depth < 0:
                    return None
                if not depth and text.find("\n", opened, end) >= 0:
                    spans.append((opened, end))
            elif kind == "string":
                if not _fields_closed(text, start, end):
                    return None
                if not depth and text.find("\n", start, end) >= 0:
                    spans.append((start, end))
            elif kind == "continuation":
                if not depth:
                    spans.append((start, end))
            elif kind == "other":
                return None
        return cls(text, spans) if not depth else None

    def is_start(self, line: int) -> bool:
        """Whether the line at offset `line` starts a logical line."""
        index = bisect.bisect_left(self.span_starts, line) - 1
        return index < 0 or self.spans[index][1] < line

    def statement(self, line: int) -> int:
        """Where the logical line holding the line at `line` starts."""
        while not self.is_start(line):
            index = bisect.bisect_left(self.span_starts, line) - 1
            line = self.text.rfind("\n", 0, self.spans[index][0]) + 1
        return line

    @functools.cached_property
    def classes(self) -> list[int]:
        """Where each line at column 0 that starts with `class ` starts (in a
        string too)."""
        return [match.start() for match in _CLASS.finditer(self.text)]

    def in_a_class(self, line: int) -> bool:
        """Whether the line at `line`, indented four spaces, is a statement of a
        top-level class whose body is indented four spaces (not of a function
        or an `if` block: after those, black counts blank lines from where the
        definition in them started, not from the class that the stand-in is)."""
        index = bisect.bisect_right(self.classes, line) - 1
        while index >= 0 and not self.is_start(self.classes[index]):
            index -= 1  # a line of a string
        return index >= 0 and line < self._class_end(self.classes[index])

    def _class_end(self, header: int) -> int:
        """Where the class at `header` ends (the next line at column 0 that
        starts a statement), or 0 where its body is not indented four spaces."""
        if header not in self.class_ends:
            self.class_ends[header] = self._find_class_end(header)
        return self.class_ends[header]

    def _find_class_end(self, header: int) -> int:
        start = header
        while start := self.text.find("\n", start) + 1:
            indent = _indent(self.text, start)
            first = self.text[start + indent : start + indent + 1]
            if first not in ("", "\n", "#") and self.is_start(start):
                break  # the class's first statement
        if not start or indent != 4:
            return 0
        for match in _COLUMN_0.finditer(self.text, start):
            if self.is_start(match.start()):
                return match.start()
        return len(self.text)


def _fields_closed(text: str, start: int, end: int) -> bool:
    """Whether an f- or t-string's braces balance within what the scan took for
    the string (escaped `{{` and `}}` aside). Up to Python 3.11 they do; from 3.12
    a replacement field may hold the string's own quotes, and the scan then ended
    the string inside the field (and might take what follows for code). A plain
    string after a name ending in f or t is counted too: at worst, a text
    formatted whole."""
    if text.find("{", start, end) < 0 or not any(
        letter in "fFtT" for letter in text[max(start - 2, 0) : start]
    ):
        return True
    body = text[start:end].replace("{{", "").replace("}}", "")
    return body.count("{") == body.count("}")


class _Unreadable(Exception):
    """Black cannot read a piece (or is not the black this was written against):
    the text is formatted whole."""


def _format_pieces(pieces: list[Piece]) -> str | None:
    """Black's output for the pieces joined, or None where black cannot read a
    piece. Black itself is imported only where a piece is new: over a tenth of a
    second, more than the rest of formatting a hundred known modules."""
    try:
        names: set[str] = set()
        for index, piece in enumerate(pieces):
            first = index == 0
            found = _cached(
                ("features", str(first), piece.source),
                functools.partial(_features_of, piece.source, first),
            )
            names.update(name for name in found.split(",") if name)
        union = ",".join(sorted(names))
        versions = _cached(("versions", union), functools.partial(_versions_for, union))
        if not versions:
            return None  # features no Python version has together
        parts = [
            _cached(
                ("piece", versions, piece.source),
                functools.partial(_format_piece, piece, versions),
            )
            for piece in pieces
        ]
    except _Unreadable:
        return None
    joined = parts[0]
    for piece, part in zip(pieces[1:], parts[1:], strict=True):
        joined += "\n" * (1 if piece.depth else 2) + part
    return joined


def _cached(parts: tuple[str, ...], compute: Callable[[], str]) -> str:
    """What `compute` gives for what `parts` name: from this process, the user's
    cache, or computed (and then kept in both)."""
    text = _memo.get(parts)
    if text is None:
        entry = cache.key(black_version(), cache.source_digest(__file__), *parts)
        text = cache.read("black-pieces", entry)
        if text is None:
            text = compute()
            cache.write("black-pieces", entry, text)
        _remember(parts, text)
    return text


def _remember(parts: tuple[str, ...], text: str) -> None:
    if len(_memo) >= _MEMO_ENTRIES:  # a long-lived process (a test run)
        _memo.clear()
    _memo[parts] = text


def _features_of(source: str, first: bool) -> str:
    """The features black detects in a piece's `source`, by name (the first piece
    holds any `__future__` imports)."""
    import black

    try:
        from black.parsing import lib2to3_parse

        node = lib2to3_parse(source)
        future = black.get_future_imports(node) if first else None
        found = black.get_features_used(node, future_imports=future)
    except (ImportError, AttributeError, black.InvalidInput) as error:
        raise _Unreadable from error
    return ",".join(sorted(feature.name for feature in found))


def _versions_for(names: str) -> str:
    """The target versions black detects where `names` are the features used."""
    try:
        from black.mode import VERSION_TO_FEATURES, Feature, TargetVersion

        used = {Feature[name] for name in names.split(",") if name}
    except (ImportError, KeyError) as error:
        raise _Unreadable from error
    return ",".join(
        sorted(v.name for v in TargetVersion if used <= VERSION_TO_FEATURES[v])
    )


def _format_piece(piece: Piece, versions: str) -> str:
    """Black's output for `piece`, for those target versions (those of the whole
    text): a method's without the stand-in class line."""
    import black
    from black.mode import TargetVersion

    targets = {TargetVersion[name] for name in versions.split(",")}
    try:
        formatted = black.format_str(
            piece.source, mode=black.Mode(target_versions=targets)
        )
    except black.InvalidInput as error:
        raise _Unreadable from error
    if piece.depth:
        if not formatted.startswith(_WRAPPER):
            raise _Unreadable
        formatted = formatted[len(_WRAPPER) :].lstrip("\n")
    return formatted


def _format_whole(path: str, text: str) -> str:
    import black

    try:
        return black.format_str(text, mode=black.Mode())
    except black.InvalidInput as error:
        raise TemplateError(
            f"the template produced invalid Python for {path}: {error}"
        ) from error


__all__ = ["Piece", "black_version", "cut", "format_python"]
