"""Black formatting of generated Python, cached a definition at a time.

A template change reaches every component of its pattern, and no two of their
modules are the same text (each holds its own class name), so a cache of black's
output by whole text misses on every one, and black was four fifths of a full
`regenerate`. Yet most of each module is methods that are the same text in every
component, and that the change did not touch.

So a module is cut into pieces where black's output does not depend on what came
before: at a top-level `def`/`class` (or its decorators), and at a method of a
top-level class, that follows the body of the definition before it after a blank
line. Black puts two blank lines there at the top level and one in a class,
whatever the text had. Each piece is formatted on its own, a method inside a
stand-in `class _:` so that it keeps its depth, with the target versions black
would detect on the whole text (the union of the pieces' features), and cached.

The result is black's output for the whole text, byte for byte: tests hold the two
equal on every pattern's files with random answers and on Keras's own source. A
text not cut safely (`# fmt:` directives, tabs, carriage returns or form feeds, no
place to cut) is formatted whole, and so is one whose pieces black cannot read (a
cut inside a string leaves an unterminated piece), so black's own error is the one
reported.
"""

import bisect
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from keras_scaffold import cache
from keras_scaffold.errors import TemplateError

# A definition's first line, at the top level or (with its indent) in a class,
# after a blank line.
_CANDIDATE = re.compile(r"(?<=\n)(?:[ ]*\n)+((?:    )?)(?:@|def |async def |class )")
# A top-level statement's first line (a decorator's or a bracket's line aside).
_TOP = re.compile(r"^(?:class |[^\s@#)\]}])", re.MULTILINE)
_WRAPPER = "class _:\n"
# What black handles across lines in ways a cut could change (`# fmt: off`
# regions, tabs' columns, other line ends): where any occurs, the text is
# formatted whole.
_NOT_CUT = ("fmt:", "\r", "\f", "\v", "\t")

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
    # Where each top-level statement starts, and whether it is a class.
    tops = [(m.start(), m.group() == "class ") for m in _TOP.finditer(text)]
    starts = [(0, 0)]  # (offset, depth) where each piece starts
    for match in _CANDIDATE.finditer(text):
        depth = 1 if match.group(1) else 0
        if depth:
            index = bisect.bisect(tops, (match.start(),)) - 1
            if index < 0 or not tops[index][1]:
                continue  # not a method of a top-level class
        before = text.rfind("\n", 0, match.start() - 1) + 1
        if _ends_a_body(text[before : match.start() - 1], depth):
            starts.append((match.start(1), depth))
    ends = [offset for offset, _ in starts[1:]] + [len(text)]
    return [
        Piece(depth, text[start:end].rstrip(" \n") + "\n")
        for (start, depth), end in zip(starts, ends, strict=True)
    ]


def _ends_a_body(line: str, depth: int) -> bool:
    """Whether `line`, the last before a definition at `depth`, closes the body of
    what came before: deeper than the definition, code rather than a comment (black
    moves a comment with what follows it), not continued."""
    indent = len(line) - len(line.lstrip(" "))
    return (
        indent > 4 * depth
        and not line.lstrip().startswith("#")
        and not line.endswith("\\")
    )


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
