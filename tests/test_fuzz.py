"""Property-based tests: whatever a user types, `new` either generates code that
compiles, is black-stable and ruff-clean and holds no identifier from user text
outside a string literal, or refuses in one line and writes nothing; a tampered
answers file never makes `regenerate` write anything.

CI runs a few hundred examples of the cheap properties (no Keras);
KERAS_SCAFFOLD_FUZZ_EXAMPLES=2000 runs more. Two accepted examples also run their
generated tests with Keras (KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES=N runs more).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import black
import pytest
import yaml
from conftest import PATTERNS, snapshot
from conftest import names_in as identifiers
from conftest import run_main as run
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_declarations import DOCSTRING_EXAMPLES, run_with_report

from keras_scaffold import cache
from keras_scaffold import render as render_module
from keras_scaffold.cli import main
from keras_scaffold.component import render
from keras_scaffold.params import KNOWN_OBJECTS, TYPES
from keras_scaffold.records import ANSWER_KEYS
from keras_scaffold.templates import Templates

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
# Up to the 28 characters `--param` takes: the generated lines must still fit.
long_names = st.from_regex(r"[a-z][a-z0-9_]{23,27}", fullmatch=True)
names = st.one_of(
    long_names,
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
def param_specs(draw, name_strategy=None) -> str:
    name = draw(names if name_strategy is None else name_strategy)
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


def number_text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


@st.composite
def redeclaration(draw, own: dict) -> str:
    """A `--param` for one of a pattern's own arguments: its type, a range the
    pattern's holds (or none: the pattern's applies), and any default in it, or
    none (required), sizes up to the thousands."""
    name, type_ = own["name"], own["type"]
    spec = f"{name}:{type_}"
    low, high = own.get("min"), own.get("max")
    if type_ in ("int", "ints"):
        low = 1 if low is None else low
        if draw(st.booleans()):  # a narrower range
            low = draw(st.integers(low, low + 3))
            high = draw(st.one_of(st.none(), st.integers(low + 1, low + 12)))
            if own.get("max") is not None:
                high = min(high or own["max"], own["max"])
            if high is not None and high <= low:
                high = None
            spec += f":{low}.." + ("" if high is None else str(high))
        sizes = st.one_of(
            st.integers(low, high if high is not None else low + 9),
            st.integers(low, high if high is not None else 5000),
        )
        if type_ == "int":
            default = st.one_of(sizes.map(str), st.just("none"))
        else:
            default = st.lists(sizes, min_size=1, max_size=3).map(
                lambda values: ",".join(map(str, values))
            )
    elif type_ == "float":
        low = 0.0 if low is None else float(low)
        top = float(high) if high is not None else 1e4
        default = st.one_of(
            st.floats(low, top, allow_nan=False).map(lambda x: f"{x:.3g}"),
            st.sampled_from([number_text(low), number_text(top), "1e-07", "none"]),
        )
        if own.get("min_exclusive"):
            spec += ":positive"
    elif type_ == "bool":
        default = st.sampled_from(["true", "false"])
    elif type_ == "choice":
        choices = draw(st.permutations(own["choices"]))
        spec += ":" + ",".join(choices)
        default = st.sampled_from(choices)
    else:  # a Keras object
        default = st.sampled_from([*sorted(KNOWN_OBJECTS[type_]), "none"])
    if own.get("default", "") is None or draw(st.integers(0, 5)):
        spec += "=" + draw(default)
    return spec


@st.composite
def pattern_declarations(draw) -> tuple[str, list[str]]:
    """A pattern, one to three of its own arguments re-declared, and maybe new
    ones (a pattern without arguments `--param` can declare gets new ones)."""
    pattern = draw(st.sampled_from(PATTERNS))
    own = [p for p in Templates().pattern(pattern).params if p["type"] in TYPES]
    chosen = (
        draw(st.lists(st.sampled_from(own), min_size=1, max_size=3, unique_by=str))
        if own
        else []
    )
    specs = [draw(redeclaration(param)) for param in chosen]
    names = {param["name"] for param in chosen}
    # A new argument, named as users name them (odd names are the first fuzz
    # test's): mostly accepted, so that its code and tests run.
    extra = draw(st.lists(param_specs(plain_names), max_size=1))
    return pattern, specs + [s for s in extra if s.split(":")[0] not in names]


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


# Identifiers the templates themselves write: any other identifier in generated
# code must be a name the user gave (class, module, parameter).
_VOCABULARY: set[str] = set()


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


def check_generated(
    folder: Path, class_name: str, params: list[dict], vocab: set, module=None
):
    """Every Python file under `folder` (only `module`'s and its tests, where
    given) compiles, is black-stable and names nothing but the templates'
    vocabulary and the user's names."""
    # The class, its test class and the arguments are named from user text.
    user = {class_name, f"Test{class_name}", *(param["name"] for param in params)}
    paths = (
        [folder / f"{module}.py", folder / f"test_{module}.py"]
        if module
        else folder.rglob("*.py")
    )
    for path in paths:
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


# Accepted declarations, their tests run with Keras: a few in every run, always
# the same ones, on PyTorch (the backend whose test files run fastest) where it is
# installed, else TensorFlow (which the README's install always brings);
# KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES=N runs N random ones on every backend.
KERAS_EXAMPLES = int(os.environ.get("KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES", "10"))
KERAS_BACKENDS = (
    ["tensorflow", "jax", "torch"]
    if "KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES" in os.environ
    else ["torch" if importlib.util.find_spec("torch") else "tensorflow"]
)
# Every accepted component goes into this one folder, as into a package of
# layers, so that one pytest process runs all their tests.
KERAS_FOLDER: list[Path] = []
KERAS_COMPONENTS: list[tuple[str, str, list[str]]] = []


@pytest.fixture(scope="module")
def keras_folder(tmp_path_factory) -> Path:
    if not KERAS_FOLDER:
        KERAS_FOLDER.append(tmp_path_factory.mktemp("keras") / "layers")
        KERAS_FOLDER[0].mkdir()
    return KERAS_FOLDER[0]


@settings(
    max_examples=KERAS_EXAMPLES,
    deadline=None,
    derandomize="KERAS_SCAFFOLD_FUZZ_KERAS_EXAMPLES" not in os.environ,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(declared=pattern_declarations())
def test_declarations_generate_or_refuse_in_one_line(
    keras_folder, capsys, vocabulary, declared
):
    """Re-declared pattern arguments (with ranges and defaults hypothesis
    chooses) and new ones: `new` refuses them in one line, writing nothing, or
    generates clean code, whose tests the next test runs."""
    pattern, specs = declared
    class_name = f"Fuzz{len(KERAS_COMPONENTS)}"
    args = ["new", pattern, class_name, "-o", str(keras_folder)]
    for spec in specs:
        args += ["--param", spec]
    before = snapshot(keras_folder)
    code, _, err = run(args, keras_folder, capsys)
    if code != 0:
        assert err.startswith("keras-scaffold: error: "), err
        assert len(err.splitlines()) == 1 and err.endswith("\n"), err
        assert snapshot(keras_folder) == before
        return
    module = class_name.lower()
    answers = yaml.safe_load(
        (keras_folder / ".keras-scaffold" / f"{module}.yml").read_text()
    )
    check_generated(keras_folder, class_name, answers["params"], vocabulary, module)
    if not any(char in "".join(specs) for char in "\"'\\"):
        # The templates write black's layout themselves, so that plain `copier
        # copy` gives these files too (where user text holds no quote, black
        # keeps every literal as written).
        for path, text in unformatted(answers).items():
            assert (keras_folder / path).read_text() == text, path
    KERAS_COMPONENTS.append((class_name, pattern, specs))


# Shared checks that run for every layer, never skipped.
ALWAYS_RUN = {
    "test_build_creates_every_weight",
    "test_config_round_trip_with_non_default_values",
    "test_get_config_holds_every_init_argument",
    "test_save_and_load_give_identical_outputs",
}


def unformatted(answers: dict) -> dict[str, str]:
    """The component's Python files as the templates render them, before black."""
    templates = Templates()
    answers = {key: value for key, value in answers.items() if key != "_src_path"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_module, "format_python", lambda path, text: text)
        # Nothing kept in, nor read from, the rendered-files cache.
        patch.setenv(cache.ENVIRONMENT_VARIABLE, "")
        files = render(templates, answers).files
    return {path: text for path, text in files.items() if path.endswith(".py")}


def test_accepted_declarations_generate_tests_that_pass():
    """The tests of every component the test above generated pass, with the
    shared checks run, not skipped, for each; and ruff finds nothing in them,
    with its defaults and with the project's selection."""
    if not KERAS_COMPONENTS:
        pytest.skip("the property test generated nothing (run with it)")
    folder = KERAS_FOLDER[0]
    for extra in (["--isolated"], ["--isolated", "--select", "E,F,W,I,B,UP"]):
        ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", *extra]
        completed = subprocess.run(
            [*ruff, "--line-length", "88", "."],
            capture_output=True,
            text=True,
            cwd=folder,
        )
        assert completed.returncode == 0, completed.stdout[-3000:]
    declared = "\n".join(f"{c[0]}: {c[1]} {' '.join(c[2])}" for c in KERAS_COMPONENTS)
    print(f"{len(KERAS_COMPONENTS)} components, on {KERAS_BACKENDS}:\n{declared}")
    # The docstring's example of each runs as written.
    modules = [name.lower() for name, _, _ in KERAS_COMPONENTS]
    (folder / "test_docstring_examples.py").write_text(
        DOCSTRING_EXAMPLES.format(modules=modules)
    )
    for backend in KERAS_BACKENDS:
        completed, outcomes = run_with_report(folder, backend)
        failed = f"{backend}:\n{declared}\n{completed.stdout[-6000:]}"
        assert completed.returncode == 0, failed
        for class_name, _, _ in KERAS_COMPONENTS:
            ran = {
                test
                for (cls, test), kind in outcomes.items()
                if cls == f"Test{class_name}" and kind == "passed"
            }
            assert ALWAYS_RUN <= ran, (backend, class_name, ALWAYS_RUN - ran)
