"""Read a failed check's pytest report: the error it quotes, and where it arose.

The JUnit XML pytest writes for a failure holds its traceback as text: frames as
`path:line: in function` (the last `path:line: ErrorType`) and the exception as
`E   ` lines. From it: the innermost error (Keras wraps an error raised in `call`
in "Exception encountered when calling X.call()."), the deepest frame in the
user's code (an absolute path under the folder the class is imported from, not
an installed package), and whether the error was raised inside a backend's own
code (JAX, TensorFlow, PyTorch) or by XLA, below the user's frame.
"""

import os
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

# Keras's wrapper around an error raised in `call`, and the lines around the cause.
WRAPPER = "Exception encountered when calling"
_NOT_CAUSE = ("Could not automatically infer the output shape", WRAPPER)
_FRAME = re.compile(r"^(?P<path>\S[^:]*\.py):(?P<line>\d+):(?: in (?P<function>\S+))?")
_EXCEPTION = re.compile(
    r"^(?P<kind>[A-Za-z_][\w.]*(?:Error|Exception|Exit)):(?P<rest>.*)"
)
# Where a backend's own code lives, by a part of its path.
_BACKENDS = (
    ("/jax/", "JAX"),
    ("/jaxlib/", "JAX"),
    ("/tensorflow/", "TensorFlow"),
    ("/torch/", "PyTorch"),
)
_XLA = ("XlaRuntimeError", "xla_extension", "INTERNAL: ", "UNIMPLEMENTED: ")


@dataclass(frozen=True)
class Failure:
    """What one failed check's report says."""

    error: str  # "ErrorType: the innermost message, first sentence"
    frame: tuple[str, int, str] | None  # (path, line, function) in the user's code
    inside: str | None  # "JAX", "TensorFlow", "PyTorch" or "XLA": raised there


def read(
    problem: ElementTree.Element, import_root: Path | None, ran_in: Path
) -> Failure:
    """`problem` of a pytest run in the folder `ran_in`, for a class imported
    from `import_root`."""
    text = problem.text or ""
    frames = [m for line in text.splitlines() if (m := _FRAME.match(line))]
    user = _user_frame(frames, import_root, ran_in.resolve())
    return Failure(_error(problem), user, _inside(text, frames, user))


def _user_frame(
    frames: list[re.Match], root: Path | None, ran_in: Path
) -> tuple | None:
    """The deepest frame in the user's code: a file under `root`, outside an
    installed package. pytest shows a path relative to the folder it ran in
    where that is shorter (`../project/pkg/layers.py`)."""
    if root is None:
        return None
    root = root.resolve()
    found = None
    for match in frames:
        path = Path(os.path.normpath(ran_in / match["path"]))
        if path.is_relative_to(root) and "site-packages" not in path.parts:
            found = (str(path), int(match["line"]), match["function"] or "")
    return found


def _inside(text: str, frames: list[re.Match], user: tuple | None) -> str | None:
    """The backend (or XLA) the error was raised in, below the user's frame."""
    if any(word in text for word in _XLA):
        return "XLA"
    if user is None or not frames:
        return None
    last = frames[-1]["path"].replace("\\", "/")
    if last.endswith(Path(user[0]).name) and frames[-1]["line"] == str(user[1]):
        return None  # raised in the user's own line
    for part, name in _BACKENDS:
        if part in last:
            return name
    return None


def _lines(problem: ElementTree.Element) -> list[str]:
    """The `E   ` lines of the traceback, without pytest's prefix and ANSI codes."""
    return [
        line[1:].replace("#x1B[1m", "").replace("#x1B[0m", "").strip()
        for line in (problem.text or "").splitlines()
        if line.startswith("E ")
    ]


def _error(problem: ElementTree.Element) -> str:
    """The error to quote: the exception raised, and where Keras wrapped an error
    of `call`, the error it wraps (its class, the first sentence of the innermost
    message)."""
    lines = _lines(problem)
    text = problem.text or ""
    if "TracerBoolConversionError(" in text and "_error_repr" in text:
        # JAX's error cannot be built from the message Keras re-raises it with
        # (Keras 3.15.1, JAX 0.10.2): what fails is then an AttributeError about
        # `_error_repr`, which says nothing of the cause.
        return (
            "TracerBoolConversionError: Attempted boolean conversion of a traced "
            "array (JAX's error, which Keras could not re-raise)"
        )
    found = [i for i, line in enumerate(lines) if _EXCEPTION.match(line)]
    if not found:
        return _first_line(problem)
    at = found[-1]
    wrapped = max((i for i in found if WRAPPER in lines[i]), default=None)
    if wrapped is not None:
        kind = _EXCEPTION.match(lines[wrapped])["kind"].rsplit(".", 1)[-1]
        inner = []
        for line in lines[wrapped + 1 :]:
            if line.startswith("Arguments received by"):
                break
            if line and not any(words in line for words in _NOT_CAUSE):
                inner.append(line)
        if inner:
            sentence = inner[-1].split(". ")[0].rstrip(".")
            return f"{kind}: {sentence}"[:300]
    match = _EXCEPTION.match(lines[at])
    kind = match["kind"].rsplit(".", 1)[-1]
    rest = match["rest"].strip()
    if not rest or rest.endswith(":"):  # the message goes on below
        following = [line for line in lines[at + 1 :] if line]
        rest = f"{rest} {following[0]}".strip() if following else rest
    return f"{kind}: {rest}"[:300] if rest else kind


def _first_line(problem: ElementTree.Element) -> str:
    """The failure's first line, with the line after a bare `AssertionError:`."""
    message = (problem.get("message") or "").strip()
    if message.startswith("failed on setup with "):
        message = message.removeprefix("failed on setup with ").strip('"')
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        errors = _lines(problem)
        return (errors or ["unknown error"])[-1][:300]
    line = lines[0]
    if line.endswith(":") and len(lines) > 1:
        line = f"{line} {lines[1]}"
    return line[:300]
