"""Black's output, cached a definition at a time (keras_scaffold/formatting.py):
the same text as black on the whole file, and black asked only about what changed."""

import re
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
