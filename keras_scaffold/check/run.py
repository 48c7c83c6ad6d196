"""`check --run`: the generated test suite, run on existing classes.

Each Layer and Model class the static finder sees gets the test file `adopt` would
write (the `adopted` template folder, with the shared checks module rendered from
the same templates) in a temporary folder; one pytest subprocess runs them all
with the classes' modules importable, and every failed check becomes a finding.
So `check --run` and the generated tests cannot disagree. Only that subprocess
imports Keras and the user's code.
"""

import ast
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from keras_scaffold import adopt
from keras_scaffold.check import failures
from keras_scaffold.check.catalog import BY_ID
from keras_scaffold.check.checker import python_files, read_module
from keras_scaffold.check.findings import Finding
from keras_scaffold.check.index import Index
from keras_scaffold.check.rules.common import named_params
from keras_scaffold.check.rules.config import init_arguments
from keras_scaffold.component import render
from keras_scaffold.errors import CheckError
from keras_scaffold.records import CHECKS_MODULE
from keras_scaffold.templates import Templates

# Which rule a failed shared check reports, by the words in its test's name.
_RULE_BY_TEST = (
    ("export", "KS911"),
    ("quantize", "KS909"),
    ("mixed_precision", "KS904"),
    ("dtype_policy", "KS904"),
    ("padding", "KS905"),
    ("mask", "KS905"),
    ("compiled", "KS907"),
    ("fit_step", "KS906"),
    ("training_and_inference", "KS906"),
    ("save_and_load", "KS902"),
    ("weights_file", "KS902"),
    ("registered", "KS902"),
    ("build_creates", "KS903"),
    ("output_shape", "KS903"),
    ("config", "KS901"),
    ("construction", "KS901"),
    ("invalid", "KS901"),  # no data for an adopted class: skipped
    ("accepted_form", "KS901"),
    ("weight_argument", "KS901"),  # a declared argument reaches the weights
)
_CANNOT_RUN = "KS900"
_OTHER = "KS908"
_ONE_CAUSE = "KS910"

# Hints for causes that fail checks of every category alike: the rule's own hint
# (its category's) would point away from the fault.
_CAUSE_HINTS = (
    (
        ("as a Python `bool`", "TracerBoolConversionError", "ConcretizationTypeError"),
        "`call` turns a tensor into a Python bool (an `if` or `and` on it), which "
        "traced and compiled calls cannot: use `keras.ops.where` or "
        "`keras.ops.cond`",
    ),
    (
        ("__jax_array__",),
        "a Keras variable reaches JAX as it is (here through a `keras.ops` "
        "function), which this JAX no longer converts: convert it first "
        "(`keras.ops.convert_to_tensor(self.variable)`), or use a JAX that your "
        "Keras supports",
    ),
)


@dataclass(frozen=True)
class Job:
    """One class's rendered test file."""

    target: adopt.Target
    stem: str  # the test module's name, without .py


def rule_for(test_name: str) -> str:
    name = test_name.split("[")[0]
    return next((rule for word, rule in _RULE_BY_TEST if word in name), _OTHER)


def collect(
    paths: list[Path], options: adopt.Options
) -> tuple[list[adopt.Target], list[str]]:
    """Every class to run in `paths` (a file, a folder, or `FILE::Class`)."""
    targets: list[adopt.Target] = []
    errors: list[str] = []
    for given in paths:
        path, only = adopt.split_target(str(given))
        files = [path] if only else python_files([path])
        for file in files:
            try:
                source = adopt.read_source(file)
                found = adopt.find_targets(file, source, options, only)
            except CheckError as error:
                errors.append(str(error))
                continue
            except SyntaxError:
                continue  # the static check reports it
            if only and not found:
                raise CheckError(f"{file} defines no Keras layer or model `{only}`.")
            targets.extend(found)
    return targets, errors


def run(
    targets: list[adopt.Target], templates: Templates | None = None
) -> list[Finding]:
    """Run the shared checks on every target; their failures as findings."""
    findings = [
        _finding(target, _CANNOT_RUN, adopt.missing_message(target))
        for target in targets
        if target.init is None
    ]
    runnable = [target for target in targets if target.init is not None]
    if not runnable:
        return findings
    templates = templates or Templates()
    with tempfile.TemporaryDirectory(prefix="keras-scaffold-run-") as folder:
        root = Path(folder)
        jobs = _write_tests(root, runnable, templates)
        report = root / "report.xml"
        _pytest(root, report, {job.target.import_root for job in jobs})
        findings += _findings(report, jobs, root)
    return sorted(set(findings))


def _write_tests(root: Path, targets: list, templates: Templates) -> list[Job]:
    jobs = []
    for number, target in enumerate(targets):
        stem = f"adopted_{number}_{target.class_name.lower()}"
        answers = adopt.answers_for(target, module_name=stem)
        rendered = render(templates, answers, src_path="")
        for relpath, text in rendered.files.items():
            name = Path(relpath).name
            if name == CHECKS_MODULE or name == f"test_{stem}.py":
                (root / name).write_text(text, "utf-8")
        jobs.append(Job(target, f"test_{stem}"))
    (root / "pytest.ini").write_text("[pytest]\n", "utf-8")  # no user settings
    # The shared checks' failures say what differed, as a test file's do.
    (root / "conftest.py").write_text(
        'import pytest\n\npytest.register_assert_rewrite("keras_scaffold_checks")\n',
        "utf-8",
    )
    return jobs


def _pytest(root: Path, report: Path, import_roots: set[Path]) -> None:
    env = dict(os.environ)
    paths = [str(root), *sorted(str(path) for path in import_roots)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(root),
        "-q",
        "-p",
        "no:cacheprovider",
        # One class whose test file cannot be set up must not stop the others.
        "--continue-on-collection-errors",
        f"--rootdir={root}",
        f"--junitxml={report}",
        "-W",
        "ignore::DeprecationWarning",
    ]
    try:
        subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise CheckError(f"cannot run pytest: {error}") from error
    if not report.is_file():
        raise CheckError(
            "--run needs pytest, Keras and a backend installed where keras-scaffold "
            "runs; pytest wrote no report."
        )


def _findings(report: Path, jobs: list[Job], ran_in: Path) -> list[Finding]:
    """The failed checks as findings: one per class and check (its parameterized
    cases together), except that the checks one error breaks (the same error,
    raised through the same line of the user's code, if any) are one finding, at
    that line."""
    by_stem = {job.stem: job for job in jobs}
    failed: dict[str, dict[str, list[tuple[str, failures.Failure]]]] = {}
    findings = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        problem = next(
            (child for child in case if child.tag in ("failure", "error")), None
        )
        if problem is None:
            continue
        classname = case.get("classname", "")
        name = case.get("name", "")
        job = by_stem.get(classname.split(".")[0] if classname else name)
        if job is None:
            continue
        failure = failures.read(problem, job.target.import_root, ran_in)
        if "." not in classname:  # the test file did not import
            findings.append(_cannot_run(job.target, failure))
            continue
        test, _, variant = name.partition("[")
        failure = _keras_own_omissions(job.target, test, failure)
        if failure is None:
            continue
        failed.setdefault(job.stem, {}).setdefault(test, []).append(
            (variant.rstrip("]"), failure)
        )
    for stem, tests in failed.items():
        findings += _class_findings(by_stem[stem].target, tests)
    return findings


def _class_findings(
    target: adopt.Target, tests: dict[str, list[tuple[str, failures.Failure]]]
) -> list[Finding]:
    causes: dict[tuple, list[str]] = {}  # (frame, error) -> the checks it broke
    findings = []
    for test, cases in tests.items():
        failure = cases[0][1]
        if failure.frame is not None or not _is_assertion(failure.error):
            # An error raised (not a check's assertion): the same error through
            # the same line is one cause, whichever checks ran into it.
            causes.setdefault((failure.frame, failure.error), []).append(test)
            continue
        findings.append(_check_finding(target, test, cases))
    for broken in causes.values():
        if len(broken) == 1:
            findings.append(_check_finding(target, broken[0], tests[broken[0]]))
            continue
        failure = tests[broken[0]][0][1]
        message = (
            f"one error breaks {len(broken)} checks ({', '.join(broken)})"
            f"{_raised(failure)}: {failure.error}"
        )
        hint = _hint(failure, _ONE_CAUSE)
        findings.append(_finding(target, _ONE_CAUSE, message, hint, failure.frame))
    return findings


def _is_assertion(error: str) -> bool:
    return error.startswith(("AssertionError", "assert "))


def _check_finding(
    target: adopt.Target, test: str, cases: list[tuple[str, failures.Failure]]
) -> Finding:
    variants = ", ".join(variant for variant, _ in cases if variant)
    shown = f"{test}[{variants}]" if variants else test
    failure = cases[0][1]
    rule = rule_for(test)
    message = f"{shown} failed{_raised(failure)}: {failure.error}"
    return _finding(target, rule, message, _hint(failure, rule), failure.frame)


def _raised(failure: failures.Failure) -> str:
    """Where the error was raised, when that was inside a backend."""
    if failure.frame is None or not failure.inside:
        return ""
    function = f" (from `{failure.frame[2]}`)" if failure.frame[2] else ""
    return f" inside {failure.inside}{function}"


def _cannot_run(target: adopt.Target, failure: failures.Failure) -> Finding:
    """A test file that did not import: the class could not be set up or called
    on the sample batch (one KS900)."""
    error = failure.error
    hint = _call_input_hint(target, error)
    if failure.frame is not None:
        function = failure.frame[2] or "the class"
        where = f" inside {failure.inside}" if failure.inside else ""
        message = (
            f"cannot run the checks: `{function}` fails{where} on a sample call: "
            f"{error}"
        )
        hint = hint or _hint(failure, _CANNOT_RUN, raised_on_sample=True)
    else:
        message = f"cannot run the checks: {error}"
        hint = hint or _hint(failure, _CANNOT_RUN)
    return _finding(target, _CANNOT_RUN, message, hint, failure.frame)


_LACKS = re.compile(r"get_config\(\) lacks (\[.*?\])")


def _keras_own_omissions(
    target: adopt.Target, test: str, failure: failures.Failure
) -> failures.Failure | None:
    """The check that `get_config` holds every `__init__` argument, without the
    arguments that are not the class's to save: `weights` (initial weights,
    which loading replaces) and the arguments a subclass of a Keras layer hands
    to that layer's `__init__`, whose config Keras writes (keras-rs's
    `EmbedReduce` hands `weights` to `Embedding`, which leaves it out). KS104
    leaves out the same. None where nothing is left."""
    match = _LACKS.search(failure.error)
    if "get_config_holds_every_init_argument" not in test or match is None:
        return failure
    try:
        missing = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return failure
    exempt = _not_saved_here(target)
    left = sorted(name for name in missing if name not in exempt)
    if not left:
        return None
    error = failure.error.replace(match.group(1), repr(left))
    return failures.Failure(error, failure.frame, failure.inside)


def _not_saved_here(target: adopt.Target) -> set[str]:
    """`weights`, and the arguments the class hands to a Keras layer's
    `__init__` (where it derives from one)."""
    found = {"weights"}
    module, _ = read_module(target.path)
    if module is None:
        return found
    index = Index()
    index.add(module, module.root)
    index.link()
    cls = module.by_name.get(target.class_name)
    if cls is not None and cls.kind == "builtin":
        found |= init_arguments(cls)[1]
    index.release()
    return found


def _call_input_hint(target: adopt.Target, error: str) -> str | None:
    """Where `call` needs an input besides `inputs` that no setting gives: the
    `call-inputs` line that gives it (`--init` cannot)."""
    missing = _MISSING_ARGUMENT.search(error)
    if missing is None:
        return None
    name = missing.group(1)
    if name not in _call_arguments(target):
        return None
    return (
        f"`call` takes `{name}` besides its inputs: give it in pyproject.toml, "
        f"under `[tool.keras-scaffold.check]`: `call-inputs = {{{target.class_name} = "
        f'{{{name} = {{shape = [2], dtype = "int32", max = 4}}}}}}` (ids 0 to 3, two '
        f'per sample; a float input: drop dtype and max) or `{{{name} = "inputs"}}` '
        "(the inputs again); see docs/checking.md"
    )


def _call_arguments(target: adopt.Target) -> set[str]:
    """The arguments of the class's own `call`, as its source shows them."""
    module, _ = read_module(target.path)
    node = module.defs.get(target.class_name) if module is not None else None
    for item in node.body if node is not None else ():
        if isinstance(item, ast.FunctionDef) and item.name == "call":
            return {argument.arg for argument in named_params(item)}
    return set()


_MISSING_ARGUMENT = re.compile(r"missing a required argument: '(\w+)'")


def _hint(failure: failures.Failure, rule: str, raised_on_sample: bool = False) -> str:
    for causes, hint in _CAUSE_HINTS:
        if any(cause in failure.error for cause in causes):
            return hint
    if failure.inside:
        return (
            f"{failure.inside} refuses what the line reported hands it, where "
            "another backend may not (run `check --run` with another "
            "KERAS_BACKEND to compare): convert it with "
            "`keras.ops.convert_to_tensor` first, or use the versions Keras "
            "supports"
        )
    if raised_on_sample:
        return (
            "the class fails at the line reported when called on the sample "
            "batch: fix it there, or give the input it needs (`--input-shape`, "
            "`--input-dtype`, `call-inputs` in pyproject.toml) and the arguments "
            "(`--init`)"
        )
    return BY_ID[rule].hint


def _finding(
    target: adopt.Target,
    rule: str,
    message: str,
    hint: str | None = None,
    frame: tuple[str, int, str] | None = None,
) -> Finding:
    """A finding on the class line, or at `frame`, the line of the user's code
    the error went through."""
    path, line, column = str(target.path), target.line, target.column
    if frame is not None:
        line, column = frame[1], 1
        if Path(frame[0]).resolve() != target.path.resolve():
            path = _shown(Path(frame[0]))
    message = f"{target.class_name}: {message}"
    return Finding(path, line, column, rule, message, hint or BY_ID[rule].hint)


def _shown(path: Path) -> str:
    """A path as the user would give it: relative to the working folder, if in it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
