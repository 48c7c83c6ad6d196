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
from keras_scaffold.check.catalog import BY_ID
from keras_scaffold.check.checker import python_files, read_module
from keras_scaffold.check.findings import Finding
from keras_scaffold.check.rules.common import named_params
from keras_scaffold.component import render
from keras_scaffold.errors import CheckError
from keras_scaffold.records import CHECKS_MODULE
from keras_scaffold.templates import Templates

# Which rule a failed shared check reports, by the words in its test's name.
_RULE_BY_TEST = (
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
    ("weight_argument", "KS901"),  # no data for an adopted class: skipped
)
_CANNOT_RUN = "KS900"
_OTHER = "KS908"

# Hints for causes that fail checks of every category alike: the rule's own hint
# (its category's) would point away from the fault.
_CAUSE_HINTS = (
    (
        ("as a Python `bool`", "TracerBoolConversionError", "ConcretizationTypeError"),
        "`call` turns a tensor into a Python bool (an `if` or `and` on it), which "
        "traced and compiled calls cannot: use `keras.ops.where` or "
        "`keras.ops.cond`",
    ),
)
# Hints for checks whose fix is not their category's (KS902's is registration).
_CHECK_HINTS = {
    "test_quantize_save_and_load": (
        "save each quantized sub-layer's dtype policy in `get_config`: as `dtype`, a "
        "`keras.dtype_policies.DTypePolicyMap` of the layer's policy and, by "
        "`layer.path`, each quantized sub-layer's (as keras-hub's "
        "`Backbone.get_config` does), with sub-layers given fixed names (see "
        "`keras-scaffold new composite`)"
    ),
}
# Keras's wrapper around an error raised in `call`, and the lines around the cause.
_WRAPPER = "Exception encountered when calling"
_NOT_CAUSE = ("Could not automatically infer the output shape", _WRAPPER)


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
        findings += _findings(report, jobs)
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


def _findings(report: Path, jobs: list[Job]) -> list[Finding]:
    """One finding per class and failed check (its parameterized cases together)."""
    by_stem = {job.stem: job for job in jobs}
    failed: dict[tuple[str, str], list[tuple[str, str]]] = {}
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
        if "." not in classname:  # the test file did not import
            text = _first_error_line(problem)
            findings.append(
                _finding(
                    job.target,
                    _CANNOT_RUN,
                    f"cannot run the checks: {text}",
                    _call_input_hint(job.target, text),
                )
            )
            continue
        test, _, variant = name.partition("[")
        failed.setdefault((job.stem, test), []).append(
            (variant.rstrip("]"), _cause(problem, _first_line(problem)))
        )
    for (stem, test), cases in failed.items():
        variants = ", ".join(variant for variant, _ in cases if variant)
        shown = f"{test}[{variants}]" if variants else test
        message = f"{shown} failed: {cases[0][1]}"
        rule = rule_for(test)
        findings.append(
            _finding(
                by_stem[stem].target, rule, message, _hint(cases[0][1], rule, test)
            )
        )
    return findings


def _cause(problem: ElementTree.Element, line: str) -> str:
    """Keras's "Exception encountered when calling ..." as the error it wraps: the
    exception's class and the innermost message, first sentence."""
    if _WRAPPER not in line:
        return line
    text = problem.text or ""
    if "TracerBoolConversionError(" in text and "_error_repr" in text:
        # JAX's error cannot be built from the message Keras re-raises it with
        # (Keras 3.15.1, JAX 0.10.2): what fails is then an AttributeError about
        # `_error_repr`, which says nothing of the cause.
        return (
            "TracerBoolConversionError: Attempted boolean conversion of a traced "
            "array (JAX's error, which Keras could not re-raise)"
        )
    kind = line.partition(":")[0].rsplit(".", 1)[-1]
    lines = []
    for text in (problem.text or "").splitlines():
        if not text.startswith("E "):
            continue
        text = text[1:].replace("#x1B[1m", "").replace("#x1B[0m", "").strip()
        if text.startswith("Arguments received by"):
            break
        if text and not any(words in text for words in _NOT_CAUSE):
            lines.append(text)
    if not lines:
        return line
    sentence = lines[-1].split(". ")[0].rstrip(".")
    return f"{kind}: {sentence}"[:300]


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


def _hint(message: str, rule: str, test: str) -> str:
    for causes, hint in _CAUSE_HINTS:
        if any(cause in message for cause in causes):
            return hint
    for words, hint in _CHECK_HINTS.items():
        if words in test:
            return hint
    return BY_ID[rule].hint


def _first_line(problem: ElementTree.Element) -> str:
    """The failure's first line, with the line after a bare `AssertionError:`."""
    message = (problem.get("message") or "").strip()
    if message.startswith("failed on setup with "):
        message = message.removeprefix("failed on setup with ").strip('"')
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return _first_error_line(problem)
    line = lines[0]
    if line.endswith(":") and len(lines) > 1:
        line = f"{line} {lines[1]}"
    return line[:300]


def _first_error_line(problem: ElementTree.Element) -> str:
    """The exception of a traceback: its last `E   ` line."""
    lines = [
        line[1:].strip()
        for line in (problem.text or "").splitlines()
        if line.startswith("E ")
    ]
    errors = [line for line in lines if "Error" in line or "Exception" in line]
    chosen = (errors or lines or [problem.get("message") or "unknown error"])[-1]
    return chosen[:300]


def _finding(
    target: adopt.Target, rule: str, message: str, hint: str | None = None
) -> Finding:
    return Finding(
        str(target.path),
        target.line,
        target.column,
        rule,
        f"{target.class_name}: {message}",
        hint or BY_ID[rule].hint,
    )
