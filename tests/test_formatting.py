"""Black's output, cached a definition at a time (keras_scaffold/formatting.py):
the same text as black on the whole file, and black asked only about what changed."""

import io
import re
import tokenize
from pathlib import Path

import black
import keras
import pytest
from conftest import PATTERNS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import EXAMPLES, FUZZ, class_names, param_specs, unformatted

from keras_scaffold import cache, formatting
from keras_scaffold.component import make_answers
from keras_scaffold.errors import ScaffoldError, TemplateError
from keras_scaffold.params import parse_params
from keras_scaffold.templates import Templates


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    """Every piece formatted here, none read from a cache."""
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, "")
    monkeypatch.setattr(formatting, "_memo", {})


def black_whole(text: str) -> str:
    return black.format_str(text, mode=black.Mode())


# What black changes, done to a text that black would leave as it is: blank lines
# (three where there were any: black keeps one or two), and lines made too long.
PERTURBATIONS = {
    "as rendered": lambda text: text,
    "more blank lines": lambda text: re.sub(r"\n(?:[ ]*\n)+", "\n\n\n\n", text),
    "longer names": lambda text: re.sub(r"\bself\b", "self_" + "x" * 30, text),
}


CHECKED: set[tuple[str, str]] = set()


def answers_for(templates: Templates, pattern: str, class_name: str, specs) -> dict:
    """The answers for the drawn name and declarations or, where they are refused,
    for the name alone, else for a plain one: every example formats something."""
    for name, declared in ((class_name, specs), (class_name, []), ("Block", [])):
        try:
            return make_answers(templates, pattern, name, "pkg", parse_params(declared))
        except ScaffoldError:
            continue
    raise AssertionError(f"{pattern} refuses a plain name")


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))  # black twice on each file
@given(
    pattern=st.sampled_from(PATTERNS),
    class_name=class_names,
    specs=st.lists(param_specs(), max_size=3),
    perturbation=st.sampled_from(sorted(PERTURBATIONS)),
)
def test_every_pattern_formats_as_black_formats_the_whole_file(
    pattern, class_name, specs, perturbation
):
    answers = answers_for(Templates(), pattern, class_name, specs)
    for text in unformatted(answers).values():
        if (perturbation, text) in CHECKED:  # the checks module all components share
            continue
        CHECKED.add((perturbation, text))
        changed = PERTURBATIONS[perturbation](text)
        if len(formatting.cut(text)) > 1:  # a module or test file is cut
            assert len(formatting.cut(changed)) > 1
        assert formatting.format_python("x.py", changed) == black_whole(changed)


def keras_sources() -> list[Path]:
    """Keras's own layers and models: code nobody here wrote, black-formatted by
    its project, with decorators, nested functions, comments, overloads."""
    root = Path(keras.__file__).parent / "src"
    paths = sorted((root / "layers").rglob("*.py")) + sorted(
        (root / "models").rglob("*.py")
    )
    return paths[::12]  # a spread of about 25 files


@pytest.mark.parametrize("path", keras_sources(), ids=lambda path: path.name)
@pytest.mark.parametrize("perturbation", sorted(PERTURBATIONS))
def test_keras_own_source_formats_as_black_formats_it(path, perturbation):
    text = PERTURBATIONS[perturbation](path.read_text("utf-8"))
    assert formatting.format_python("x.py", text) == black_whole(text)


MODULE = '''\
"""A module."""

import keras


class First(keras.layers.Layer):
    """First."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    @property
    def size(self):
        return 1

    def call(self, inputs):
        return inputs


def helper(x):
    return x
'''


def test_a_module_is_cut_before_each_method_and_top_level_definition():
    pieces = formatting.cut(MODULE)
    assert [(piece.depth, piece.text.splitlines()[0]) for piece in pieces] == [
        (0, '"""A module."""'),
        (1, "    @property"),
        (1, "    def call(self, inputs):"),
        (0, "def helper(x):"),
    ]
    assert formatting.format_python("x.py", MODULE) == black_whole(MODULE) == MODULE


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        # A comment goes with what follows it: no cut after one.
        (
            MODULE.replace("        return 1\n", "        return 1\n    # size\n"),
            "    def call",
        ),
        # Black keeps what `# fmt: off` holds.
        (MODULE.replace("    @property", "    # fmt: off\n    @property"), "    @"),
        # Nested functions are not methods.
        (
            "def outer():\n    def a():\n        return 1\n\n    def b():\n"
            "        return 2\n\n    return a, b\n",
            "    def b",
        ),
        # A definition after a statement of the same depth.
        ("x = 1\n\ndef f():\n    pass\n", "def f"),
    ],
    ids=["comment", "fmt-off", "nested", "after-statement"],
)
def test_where_black_looks_at_what_comes_before_nothing_is_cut(text, joined):
    assert not any(piece.text.startswith(joined) for piece in formatting.cut(text))
    assert formatting.format_python("x.py", text) == black_whole(text)


def test_a_line_inside_a_string_is_no_place_to_cut():
    # The class docstring holds a line that looks like a method: the module is
    # cut at the real methods only.
    text = MODULE.replace(
        '    """First."""\n',
        '    """First.\n\n        Example:\n\n    def looks_like_a_method(self):\n'
        '    """\n',
    )
    firsts = [piece.text.splitlines()[0] for piece in formatting.cut(text)]
    assert firsts[1:] == [
        "    @property",
        "    def call(self, inputs):",
        "def helper(x):",
    ]
    assert formatting.format_python("x.py", text) == black_whole(text)


def test_invalid_python_is_black_own_error_on_the_whole_file():
    text = MODULE.replace("return inputs", "return inputs)")
    with pytest.raises(TemplateError) as raised:
        formatting.format_python("layer.py", text)
    with pytest.raises(black.InvalidInput) as whole:
        black_whole(text)
    assert str(whole.value) in str(raised.value)
    assert str(raised.value).startswith("the template produced invalid Python for")


def test_black_is_asked_only_about_the_pieces_that_changed(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(tmp_path))
    # Another component: its own class name, and a changed `call`.
    changed = MODULE.replace("First", "Second").replace(
        "return inputs", "return inputs * 2"
    )
    expected = black_whole(changed)
    asked = []
    format_str = black.format_str

    def counting(text, **kwargs):
        asked.append(text)
        return format_str(text, **kwargs)

    monkeypatch.setattr(black, "format_str", counting)
    first = formatting.format_python("a.py", MODULE)
    assert len(asked) == 4  # each piece, once
    asked.clear()
    monkeypatch.setattr(formatting, "_memo", {})  # a new process
    assert formatting.format_python("b.py", changed) == expected
    # The first piece holds the class name; `call` changed; `size` and `helper`
    # are read from the cache.
    assert [text.split("\n")[1 if "class _" in text else 0] for text in asked] == [
        '"""A module."""',
        "    def call(self, inputs):",
    ]
    assert first == MODULE


@pytest.mark.parametrize(
    "text",
    [
        MODULE.replace("return 1\n", "return 1\r\n"),  # a line end of another kind
        MODULE.replace("return 1\n", "return 1  #\ta tab\n"),
        MODULE.replace("        return 1\n", "        # fmt: off\n        return 1\n"),
        MODULE.replace("    @property", "\f\n    @property"),  # a form feed
    ],
    ids=["cr", "tab", "fmt-off", "form-feed"],
)
def test_text_black_reads_across_lines_is_formatted_whole(text):
    """Each text still has places to cut (before `def call` and `def helper`): it
    is the sign alone that keeps it whole."""
    assert formatting.cut(text) == [formatting.Piece(0, text)]
    assert formatting.format_python("x.py", text) == black_whole(text)


# Issue 33, item 5: three texts a team's templates may hold where the pieces
# joined were not black's output on the whole file.


def test_every_directive_black_honours_keeps_the_text_whole():
    """Black's own list of directives (`# yapf: disable` is `# fmt: off` to it):
    a text holding any of them is formatted whole, though it has places to cut."""
    from black.comments import FMT_OFF, FMT_ON, FMT_SKIP

    for directive in sorted(FMT_OFF | FMT_ON | FMT_SKIP):
        text = MODULE.replace("    @property", f"    {directive}\n    @property")
        assert formatting.cut(text) == [formatting.Piece(0, text)], directive


YAPF_REGION = """\
class First:
    # yapf: disable
    def call( self ):
        return 1

    def helper( x ):
        return x
    # yapf: enable

    def size(self):
        return 2
"""


def test_a_yapf_disabled_region_keeps_its_text():
    formatted = formatting.format_python("x.py", YAPF_REGION)
    assert "    def helper( x ):\n" in formatted
    assert formatted == black_whole(YAPF_REGION)


@pytest.mark.parametrize(
    "definition",
    [
        "@decorator\ndef helper(x):\n    return x\n",
        "@decorator\nclass Helper:\n    size = 1\n",
    ],
)
def test_a_module_docstring_with_an_indented_last_line_before_a_decorator(
    definition,
):
    """Black puts one blank line between a module docstring and a decorator (two
    before a bare `def`): the docstring's indented last line is not a body."""
    text = '"""Helpers.\n\n    Indented last line.\n    """\n\n\n' + definition
    formatted = formatting.format_python("x.py", text)
    assert '\n"""\n\n@decorator\n' in formatted
    assert formatted == black_whole(text)


@pytest.mark.parametrize("statement", ["async with lock:", "async for item in items:"])
def test_a_string_holding_a_class_line_then_a_top_level_async_statement(statement):
    """`class X:` at column 0 inside a string is no class: the definition after it
    is in an `if` block, and black puts one blank line (not two) between that
    block and a top-level `async with`/`async for`."""
    text = (
        'if TYPE_CHECKING:\n    CODE = """\nclass X:\n    """\n    if CODE:\n'
        "        size = 1\n\n    def helper(x):\n        return x\n"
        f"{statement}\n    pass\n"
    )
    formatted = formatting.format_python("x.py", text)
    assert f"        return x\n\n{statement}\n" in formatted
    assert formatted == black_whole(text)


def test_a_function_nested_in_a_method_of_a_class_indented_two_spaces():
    """At column 4 it looks like a method; black indents it as the nested
    function it is (it failed on 1bedc9f too)."""
    text = (
        "class First:\n  def call(self):\n    if self:\n      size = 1\n\n"
        "    def helper(x):\n      return x\n\n    return helper\n\n\n"
        "def after():\n  return 1\n"
    )
    assert [piece.text.split("\n")[0] for piece in formatting.cut(text)] == [
        "class First:",
        "def after():",
    ]
    assert formatting.format_python("x.py", text) == black_whole(text)


# Generated modules built from what team templates hold: decorators, docstrings
# of every shape, comments and directives, async statements, strings and
# f-strings holding code (`class X:` at column 0), nested classes and functions,
# runs of blank lines, backslash continuations, type hints, walrus, `match`.
# Text black changes (spaces, long lines, blank lines) is mixed in, so that the
# pieces are formatted, not only joined. KERAS_SCAFFOLD_FUZZ_EXAMPLES=2000 runs
# 2,000 of them with a random seed.

BLANK_RUNS = st.sampled_from(["", "\n", "\n", "\n\n", "\n\n\n", "\n\n\n\n", "  \n"])
DOCSTRINGS = [
    '"""One line."""',
    '"""Summary.\n\n{i}Details.\n{i}"""',
    '"""Summary.\n{i}    An indented last line."""',
    '"""Summary.\n\n{i}    Indented.\n{i}    """',
    '"""\n{i}On a line of its own.\n{i}"""',
    "'''Single quotes.'''",
    'r"""Raw \\d+ and \\n."""',
    '"""Ends in a backslash \\\\"""',
    '"""   Spaces around.   """',
    '""" """',
    '"""Holds code:\n\nclass X:\n    def f(self):\n        pass\n"""',
    '"""Example:\n\n{i}    def looks_like(self):\n{i}        pass\n\n{i}"""',
    '"""Example::\n\n{i}    @decorated\n{i}    async def g():\n{i}        pass\n{i}"""',
    '"""A "quoted" end."""',
]
# Statements whose strings hold code: their lines start at column 0 wherever the
# statement is (`{i}` is its indent, for a closing quote indented with it).
CODE_STRINGS = [
    'CODE = """\nclass X:\n    def f(self):\n        return 1\n\n    def g(self):\n'
    '        return 2\n"""',
    "CODE = '''\nclass X:\n    x = 1\n\n    @property\n    def f(self):\n"
    "        return 1\n{i}'''",
    'CODE = """\nclass X:\n    pass\n{i}    """',
    'CODE = """\nclass X:\n"""',
    'CODE = f"""\nclass {{name}}:\n    async def f(self):\n        pass\n{i}"""',
    'CODE = f"""\nclass {{name}}:\n\n    def f(self):\n        return {{value!r}}\n"""',
    'CODE = textwrap.dedent(\n{i}    """\n{i}    class X:\n{i}        pass\n'
    '{i}    """\n{i})',
    'CODE = (\n{i}    "class X:\\n"\n{i}    "    def f(self): pass\\n"\n{i})',
    'CODE = f"class {{name}}:\\n    pass"',
    'TEMPLATE = """\n@dec\ndef f():\n    pass\n\n\nasync with a:\n    pass\n"""',
    'SQL = """\n    SELECT *\n    FROM t\n"""',
    "MESSAGE = f\"{{data['key']}} and {{{{braces}}}}\"",
    'PATTERN = rb"\\d+\\\\"',
]
SIMPLE = [
    "import os",
    "x = 1",
    "x=( 1 )",
    "y: int = 2",
    "z = [1,2,   3]",
    "total = 1 + \\\n{i}    2",
    'print(f"{{x!r:>10}}")',
    "__all__ = ['a', 'b']",
    "value = some_function_with_a_long_name(argument_one, argument_two, argument_3)",
    "x = 1; y = 2",
    "f = lambda a : a",
    "assert x, 'message'",
    "await thing()",
    "x = 1  # a comment",
    "if (n := len(a)) > 10: print(n)",
    "raise ValueError(\n{i}    f'bad {{x}}'\n{i})",
]
DECORATORS = [
    "@property",
    "@staticmethod",
    "@dec",
    "@dec(\n    1,\n)",
    "@functools.cache",
    "@ dec . attr",
    "@(lambda f: f)",
    "@dec  # why",
]
DEF_HEADS = [
    "def {n}(self, x: int = 1) -> int:",
    "def {n}( x ):",
    "async def {n}(x):",
    "def {n}(*, a, b=2):",
    "def {n}(a, /, b):",
    "def {n}(\n    a,\n    b,\n):",
    "def {n}(self, inputs: 'keras.KerasTensor', training: bool | None = None):",
]
CLASS_HEADS = [
    "class {n}:",
    "class {n}(Base):",
    "class {n}( Base, metaclass=Meta ):",
    "class {n}(\n    Base,\n):",
]
BLOCK_HEADS = [
    "async with a as b:",
    "async for item in items:",
    "with open(p) as f:",
    "if TYPE_CHECKING:",
    "for i in range(3):",
    "while False:",
    "try:",
    "if (n := len(a)) > 10:",
]
MATCH = (
    "match command:\n    case [x, y]:\n        pass\n    case {'k': v}:\n"
    "        pass\n    case _:\n        pass"
)
COMMENTS = ["# A comment.", "#comment", "# class X:", "#!odd"]
DIRECTIVES = [
    "# fmt: off",
    "# fmt: on",
    "#fmt:off",
    "# fmt: skip",
    "# yapf: disable",
    "# yapf: enable",
    "# yapf: disable  # and why",
]


def at(text: str, indent: str) -> str:
    """`text` with its lines indented by `indent` (a multi-line string's lines
    keep their column: `{i}` marks where they take the indent)."""
    lines = text.replace("{i}", "\0").format().split("\n")
    first, rest = lines[0], lines[1:]
    return indent + first + "".join("\n" + line.replace("\0", indent) for line in rest)


def at_each_line(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.split("\n"))


@st.composite
def decorators(draw, indent: str) -> str:
    chosen = draw(st.lists(st.sampled_from(DECORATORS), max_size=2))
    return "".join(at_each_line(line, indent) + "\n" for line in chosen)


@st.composite
def function(draw, indent: str, depth: int) -> str:
    head = draw(st.sampled_from(DEF_HEADS)).format(
        n=draw(st.sampled_from(["f", "helper", "call", "g"]))
    )
    head = draw(decorators(indent)) + at_each_line(head, indent)
    if draw(st.integers(0, 5)) == 0:  # a stub or a body on the same line
        return head + draw(st.sampled_from([" ...", " pass", " return 1"]))
    return head + "\n" + draw(body(indent + "    ", depth + 1, docstring=True))


@st.composite
def klass(draw, indent: str, depth: int) -> str:
    head = draw(st.sampled_from(CLASS_HEADS)).format(
        n=draw(st.sampled_from(["First", "Second", "X"]))
    )
    head = draw(decorators(indent)) + at_each_line(head, indent)
    if draw(st.integers(0, 6)) == 0:
        return head + draw(st.sampled_from([" ...", " pass"]))
    # Mostly four spaces; in two, a method's nested function is at column 4.
    inner = indent + draw(st.sampled_from(["    ", "    ", "    ", "  "]))
    return head + "\n" + draw(body(inner, depth + 1, docstring=True, methods=True))


@st.composite
def block(draw, indent: str, depth: int) -> str:
    if draw(st.integers(0, 8)) == 0:
        return at_each_line(MATCH, indent)
    head = draw(st.sampled_from(BLOCK_HEADS))
    inner = indent + "    "
    text = at_each_line(head, indent) + "\n" + draw(body(inner, depth + 1))
    if head == "try:":
        text += at_each_line("except ImportError:\n    x = None", indent) + "\n"
    elif head.startswith("if") and draw(st.booleans()):
        text += at_each_line("else:", indent) + "\n" + draw(body(inner, depth + 1))
    return text.rstrip("\n")


@st.composite
def statement(draw, indent: str, depth: int, methods: bool) -> str:
    kinds = ["simple", "simple", "string"]
    if depth < 2:
        kinds += ["function", "function", "class", "block"]
        kinds += ["function"] * (3 if methods else 0)
    kind = draw(st.sampled_from(kinds))
    lead = ""
    if draw(st.integers(0, 6)) == 0:  # a comment before it
        lead = at_each_line(draw(st.sampled_from(COMMENTS)), indent) + "\n"
        lead += draw(BLANK_RUNS)
    if kind == "simple":
        return lead + at(draw(st.sampled_from(SIMPLE)), indent)
    if kind == "string":
        return lead + at(draw(st.sampled_from(CODE_STRINGS)), indent)
    made = {"function": function, "class": klass, "block": block}[kind]
    return lead + draw(made(indent, depth))


@st.composite
def body(draw, indent: str, depth: int, docstring=False, methods=False) -> str:
    parts = []
    if docstring and draw(st.booleans()):
        parts.append(at(draw(st.sampled_from(DOCSTRINGS)), indent))
    least = 2 if methods or not depth else (0 if parts else 1)  # places to cut
    parts += draw(
        st.lists(statement(indent, depth, methods), min_size=least, max_size=5 + least)
    )
    return "".join(
        (draw(BLANK_RUNS) if index else "") + part + "\n"
        for index, part in enumerate(parts)
    )


@st.composite
def modules(draw) -> str:
    text = ""
    if draw(st.booleans()):
        text += draw(st.sampled_from(["#!/usr/bin/env python\n", "# Copyright.\n"]))
    if draw(st.booleans()):
        text += at(draw(st.sampled_from(DOCSTRINGS)), "") + "\n" + draw(BLANK_RUNS)
    if draw(st.booleans()):
        text += "from __future__ import annotations\n" + draw(BLANK_RUNS)
    text += draw(body("", 0))
    if draw(st.integers(0, 9)) >= 8:  # directives, on lines of their own or after code
        lines = text.split("\n")
        for _ in range(draw(st.integers(1, 3))):
            index = draw(st.integers(0, len(lines) - 1))
            directive = draw(st.sampled_from(DIRECTIVES))
            line = lines[index]
            if line.strip() and "#" not in line and draw(st.booleans()):
                lines[index] = line + "  " + directive
            else:
                indent = line[: len(line) - len(line.lstrip(" "))]
                lines.insert(index, indent + directive)
        text = "\n".join(lines)
    return text


def python_line_starts(text: str) -> set[int] | None:
    """Where Python's tokenizer starts each logical line (blank and comment lines
    too), or None where it cannot read the text."""
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    starts, depth = {0}, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            elif token.type == tokenize.NEWLINE or (
                token.type == tokenize.NL and not depth
            ):
                if token.end[0] < len(offsets) - 1:
                    starts.add(offsets[token.end[0]])
    except (tokenize.TokenError, SyntaxError):
        return None
    return starts


def assert_the_scan_reads_lines_as_python_does(text: str) -> None:
    expected = python_line_starts(text)
    lines = formatting._Lines.scan(text)
    if expected is None or lines is None:
        return  # Python cannot read it, or the scan gives up: formatted whole
    offsets = [0] + [match.end() for match in re.finditer("\n", text)][:-1]
    assert {offset for offset in offsets if lines.is_start(offset)} == expected


LOG = re.compile(r"\S+\.log\b")


@settings(FUZZ, max_examples=EXAMPLES)
@given(text=modules())
def test_generated_modules_format_as_black_formats_the_whole_file(text):
    try:
        expected = black_whole(text)
    except black.InvalidInput as error:
        with pytest.raises(TemplateError) as raised:
            formatting.format_python("x.py", text)
        # Black's internal errors name a temporary log file of their own.
        assert LOG.sub("LOG", str(error)) in LOG.sub("LOG", str(raised.value))
    else:
        assert formatting.format_python("x.py", text) == expected
    if not any(sign in text for sign in ("\t", "\r", "\f", "\v")):
        assert_the_scan_reads_lines_as_python_does(text)


@pytest.mark.parametrize("path", keras_sources(), ids=lambda path: path.name)
def test_the_scan_reads_lines_as_python_does_on_keras_own_source(path):
    text = path.read_text("utf-8")
    assert formatting._Lines.scan(text) is not None
    assert_the_scan_reads_lines_as_python_does(text)
