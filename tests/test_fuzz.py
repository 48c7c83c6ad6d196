"""Property-based tests: whatever a user types, `new` either generates code that
compiles, is black-stable and ruff-clean and holds no identifier from user text
outside a string literal, or refuses in one line and writes nothing; a tampered
answers file never makes `regenerate` write anything.

CI runs a few hundred examples of the cheap properties (no Keras);
KERAS_SCAFFOLD_FUZZ_EXAMPLES=2000 runs more. Two accepted examples also run their
generated tests with Keras (KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES=N runs more).
"""

import io
import keyword
import os
import subprocess
import sys
import tokenize
from pathlib import Path

import black
import pytest
import yaml
from conftest import PATTERNS, snapshot
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from keras_scaffold.cli import main
from keras_scaffold.params import TYPES
from keras_scaffold.records import ANSWER_KEYS

EXAMPLES = int(os.environ.get("KERAS_SCAFFOLD_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize="KERAS_SCAFFOLD_FUZZ_EXAMPLES" not in os.environ,
)

# Text as a user (or an attacker) types it: quotes, backslashes, escapes,
# separators, full-width and combining characters, code.
NASTY = [
    '"',
    "'",
    '"""',
    "\\",
    "\\N",
    "\\u",
    "\\x",
    "{",
    "}",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\u2028",
    "\udcff",
    "ｓ",
    "ﬁ",
    "é",
    "`",
    "#",
    '"+__import__("os").system("touch PWNED")+"',
    "self",
    "call",
    "keras",
    "l",
]
words = st.one_of(
    st.sampled_from(NASTY),
    st.text(min_size=0, max_size=12),
    st.from_regex(r"[a-z_][a-z0-9_]{0,30}", fullmatch=True),
)
texts = st.lists(words, min_size=0, max_size=4).map("".join)
plain_names = st.from_regex(r"[a-z][a-z0-9_]{1,12}", fullmatch=True)
names = st.one_of(
    plain_names,
    plain_names,
    plain_names,
    plain_names,
    st.sampled_from(
        ["self", "call", "build", "keras", "int", "ｓelf", "ﬁlters", "l", "units"]
    ),
    texts,
)
numbers = st.one_of(
    st.integers(-5, 5).map(str),
    st.floats(-10, 10, allow_nan=False).map(lambda x: f"{x:.3g}"),
    st.sampled_from(["", "1e9", "1e10", "-0", "0.5", "inf", "nan", "x"]),
)
ranges = st.one_of(
    st.just(None),
    st.sampled_from(["positive", "non-negative", "nonnegative"]),
    st.tuples(numbers, numbers).map(lambda pair: f"{pair[0]}..{pair[1]}"),
)
choices = st.lists(words, min_size=1, max_size=4).map(",".join)


@st.composite
def param_specs(draw) -> str:
    name = draw(names)
    type_ = draw(st.sampled_from([*TYPES, "float", "int", "choice", "nonsense"]))
    spec = f"{name}:{type_}"
    if type_ == "choice":
        spec += ":" + draw(choices)
    elif type_ in ("int", "float", "ints"):
        bounds = draw(ranges)
        if bounds is not None:
            spec += ":" + bounds
    if draw(st.booleans()):
        if type_ in ("int", "float"):
            # `none`: an optional number.
            default = draw(st.one_of(numbers, st.sampled_from(["none", "None"])))
        elif type_ == "ints":
            default = ",".join(draw(st.lists(numbers, min_size=1, max_size=3)))
        elif type_ == "choice":
            default = draw(
                st.one_of(st.sampled_from(spec.split(":")[2].split(",")), words)
            )
        elif type_ == "bool":
            default = draw(st.sampled_from(["true", "false", "maybe"]))
        elif type_ in ("activation", "initializer", "regularizer", "constraint"):
            default = draw(st.sampled_from(["relu", "zeros", "l2", "non_neg", "none"]))
        else:
            default = draw(texts)
        spec += "=" + default
    return spec


plain_class_names = st.from_regex(r"[A-Z][A-Za-z0-9]{0,46}", fullmatch=True)
class_names = st.one_of(
    plain_class_names,
    plain_class_names,
    plain_class_names,
    plain_class_names,
    st.sampled_from(
        ["Optree", "Absl", "Rich", "ValueError", "Dense", "Os", "A" * 300, "Ａb"]
    ),
    texts,
)
packages = st.one_of(
    st.just(None),
    st.just(None),
    st.just(None),
    st.from_regex(
        r"[a-z_][a-z0-9_]{0,10}(\.[a-z_][a-z0-9_]{0,10}){0,2}", fullmatch=True
    ),
    texts,
)


def run(args: list[str], cwd: Path, capsys) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(old)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Identifiers the templates themselves write: any other identifier in generated
# code must be a name the user gave (class, module, parameter).
_VOCABULARY: set[str] = set()


def identifiers(source: str) -> set[str]:
    return {
        token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.NAME and not keyword.iskeyword(token.string)
    }


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory) -> set[str]:
    if not _VOCABULARY:
        folder = tmp_path_factory.mktemp("vocabulary")
        every = [
            "a_int:int:1..9=3",
            "a_float:float:0..1=0.5",
            "a_bool:bool=true",
            "a_str:str=x",
            "a_choice:choice:p,q=p",
            "a_ints:ints:positive=2,2",
            "a_activation:activation=relu",
            "a_initializer:initializer=zeros",
            "a_regularizer:regularizer=l2",
            "a_constraint:constraint=non_neg",
            "a_layer:layer",
            # Required arguments: their samples appear in the tests.
            "b_int:int",
            "b_float:float",
            "b_bool:bool",
            "b_str:str",
            "b_choice:choice:p,q",
            "b_ints:ints",
            "b_activation:activation",
            "b_initializer:initializer",
            "b_regularizer:regularizer",
            "b_constraint:constraint",
        ]
        args = [arg for spec in every for arg in ("-p", spec)]
        for pattern in PATTERNS:
            out = folder / pattern
            try:
                main(["new", pattern, "Vocab", "-o", str(out), *args])
            except SystemExit as exit_:
                assert exit_.code in (0, None)
            for path in out.rglob("*.py"):
                _VOCABULARY.update(identifiers(path.read_text()))
        _VOCABULARY.difference_update({"Vocab", "vocab"})
    return _VOCABULARY


FUZZ_OUTPUT: list[Path] = []


def check_generated(folder: Path, class_name: str, params: list[dict], vocab: set):
    # The class, its test class and the arguments are named from user text.
    user = {class_name, f"Test{class_name}", *(param["name"] for param in params)}
    for path in folder.rglob("*.py"):
        source = path.read_text("utf-8")
        compile(source, str(path), "exec")
        assert black.format_str(source, mode=black.Mode()) == source, path
        unknown = identifiers(source) - vocab - user
        unknown = {name for name in unknown if not name.startswith(("test_",))}
        module = path.stem.removeprefix("test_")
        assert unknown <= {module}, (path, unknown)


@FUZZ
@given(
    pattern=st.sampled_from(PATTERNS),
    class_name=class_names,
    package=packages,
    specs=st.lists(param_specs(), max_size=3),
)
def test_new_generates_clean_code_or_refuses_in_one_line(
    tmp_path_factory, capsys, vocabulary, pattern, class_name, package, specs
):
    folder = tmp_path_factory.mktemp("fuzz")
    args = ["new", pattern, class_name, "-o", str(folder / "out")]
    if package is not None:
        args += ["--package", package]
    for spec in specs:
        args += ["--param", spec]
    code, out, err = run(args, folder, capsys)
    if code != 0:
        assert err.startswith("keras-scaffold: error: "), err
        assert len(err.splitlines()) == 1 and err.endswith("\n"), err
        assert snapshot(folder) == {}
        return
    assert err == ""
    assert not (folder / "PWNED").exists()
    answers = yaml.safe_load(
        next((folder / "out" / ".keras-scaffold").glob("*.yml")).read_text()
    )
    check_generated(
        folder / "out", answers["class_name"], answers["params"], vocabulary
    )
    FUZZ_OUTPUT.append(folder / "out")


def test_every_fuzzed_component_is_ruff_clean():
    """Ruff once over every component the property test generated (fast): with
    ruff's defaults and with the project's selection."""
    if not FUZZ_OUTPUT:
        pytest.skip("the property test generated nothing (run with it)")
    print(f"{len(FUZZ_OUTPUT)} accepted components checked with ruff")
    for extra in (["--isolated"], ["--isolated", "--select", "E,F,W,I,B,UP"]):
        for folder in FUZZ_OUTPUT:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ruff",
                    "check",
                    "--no-cache",
                    *extra,
                    "--line-length",
                    "88",
                    ".",
                ],
                capture_output=True,
                text=True,
                cwd=folder,
            )
            assert completed.returncode == 0, (folder, completed.stdout[-3000:])


# Values an edited or tampered answers file may hold.
yaml_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    texts,
    st.sampled_from(
        [
            "..",
            "../outside",
            "/tmp",
            ".keras-scaffold",
            ".keras-scaffold/x",
            "a/../..",
            "sub",
            ".",
            "simple",
            "composite",
            "Other",
            "my_block",
            "pkg.sub",
        ]
    ),
    st.lists(st.integers(0, 3), max_size=2),
    st.lists(
        st.fixed_dictionaries(
            {"name": names, "type": st.sampled_from(TYPES)},
            optional={
                "default": st.integers(-2, 2),
                "min": st.integers(-2, 2),
                "choices": st.lists(words, max_size=3),
            },
        ),
        max_size=2,
    ),
)
KEYS = [*ANSWER_KEYS, "_src_path"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recorded") / "root" / "project"
    folder.mkdir(parents=True)
    main_args = [
        "new",
        "simple",
        "MyBlock",
        "-o",
        str(folder),
        "-p",
        "mode:choice:a,b=a",
    ]
    try:
        main(main_args)
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    return folder


@FUZZ
@given(
    changes=st.dictionaries(st.sampled_from(KEYS), yaml_values, min_size=1, max_size=3)
)
def test_tampered_answers_never_write_outside_or_into_the_records(
    recorded, tmp_path_factory, capsys, changes
):
    import shutil

    root = tmp_path_factory.mktemp("tamper")
    project = root / "project"
    shutil.copytree(recorded, project)
    answers = project / ".keras-scaffold" / "my_block.yml"
    data = yaml.safe_load(answers.read_text())
    data.update(changes)
    answers.write_text(yaml.safe_dump(data))
    records_before = {
        path: data
        for path, data in snapshot(project).items()
        if path.startswith(".keras-scaffold")
    }
    outside_before = set(snapshot(root))
    code, out, err = run(["regenerate"], project, capsys)
    after = snapshot(project)
    if code != 0:
        assert err.startswith("keras-scaffold: error: "), err
        assert len(err.splitlines()) == 1, err
        assert {p: d for p, d in after.items() if p.startswith(".keras")} == (
            records_before
        )
    new_paths = {f"project/{path}" for path in after} | set(snapshot(root))
    assert all(path.startswith("project/") for path in new_paths - outside_before)
    generated = [
        path
        for path in set(after) - set(records_before)
        if path.startswith(".keras-scaffold/")
        and not path.endswith((".orig", "digest"))
    ]
    assert generated == []


@settings(
    max_examples=int(os.environ.get("KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES", "2")),
    deadline=None,
    derandomize="KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES" not in os.environ,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
@given(specs=st.lists(param_specs(), min_size=1, max_size=3))
def test_accepted_declarations_generate_tests_that_pass(
    tmp_path_factory, capsys, specs
):
    """A handful of accepted random declarations: their generated tests pass
    with Keras (slow, so two examples, always the same ones in CI;
    KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES=N runs N random ones)."""
    folder = tmp_path_factory.mktemp("keras")
    args = ["new", "simple", "FuzzBlock", "-o", str(folder)]
    for spec in specs:
        args += ["--param", spec]
    code, _, _ = run(args, folder, capsys)
    assume(code == 0)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-k",
            "config or invalid or serializ",
            str(folder),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"},
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
