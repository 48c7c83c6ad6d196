"""Rendering: the same files as plain `copier copy`, formatted and lint-clean."""

import subprocess
import sys

import copier
import pytest
from conftest import PATTERNS, snapshot

from keras_scaffold.component import answers_file, make_answers, render
from keras_scaffold.formatting import format_python
from keras_scaffold.names import snake_case
from keras_scaffold.params import parse_params
from keras_scaffold.templates import Templates

# Declarations of every parameter type, so that their code is held to the same bar.
EVERY_TYPE = [
    "extra_count:int:2..9=3",
    "extra_rate:float:0..1=0.25",
    "extra_flag:bool=false",
    "extra_label:str=hello",
    "extra_mode:choice:sum,mean=mean",
    "extra_sizes:ints:positive=2,3",
    "extra_activation:activation=tanh",
    "extra_initializer:initializer=he_normal",
    "extra_regularizer:regularizer=l2",
    "extra_constraint:constraint=non_neg",
    "extra_layer:layer",
]

# Keras's weight arguments, which reach the pattern's weights (issue 34).
WEIGHT_ARGUMENTS = [
    "kernel_initializer:initializer=he_normal",
    "bias_initializer:initializer=zeros",
    "kernel_regularizer:regularizer=l2",
    "bias_regularizer:regularizer=none",
    "kernel_constraint:constraint=max_norm",
    "bias_constraint:constraint=none",
]

# User text that must reach the code only as string literals (issue 11).
NASTY_TEXT = [
    'extra_mode:choice:a"b,c\\N,it\'s,"""=it\'s',
    'extra_label:str=x"+exec("1")+"\\u',
    "extra_low:float:..-1",
    "extra_sizes:ints:..0",
]


def rendered(root, pattern, specs=(), class_name="SampleThing", quantize_shard=True):
    templates = Templates(root)
    answers = make_answers(
        templates,
        pattern,
        class_name,
        "sample_pkg",
        parse_params(list(specs)),
        quantize_shard=quantize_shard,
    )
    return answers, render(templates, answers).files


def copier_copy(templates, answers, destination):
    """The files plain `copier copy` writes with `answers`, by path."""
    copier.run_copy(
        str(templates),
        destination,
        data=answers,
        answers_file=answers_file(answers),
        defaults=True,
        quiet=True,
    )
    return snapshot(destination)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize(
    "specs",
    [(), tuple(EVERY_TYPE), tuple(NASTY_TEXT), tuple(WEIGHT_ARGUMENTS)],
    ids=["own", "every-type", "nasty-text", "weight-arguments"],
)
def test_plain_copier_copy_gives_the_same_files(
    tmp_path, templates_copy, pattern, specs
):
    answers, files = rendered(templates_copy, pattern, specs)
    copied = copier_copy(templates_copy, answers, tmp_path / "copier")
    if specs == tuple(NASTY_TEXT):  # black picks the quotes of these literals
        copied = {
            path: format_python(path, text.decode()).encode()
            for path, text in copied.items()
        }
    assert copied == {path: text.encode() for path, text in files.items()}


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize(
    ("specs", "class_name"),
    [
        ((), "SampleThing"),
        (tuple(EVERY_TYPE), "SampleThing"),
        ((), "A" * 45),
        (tuple(WEIGHT_ARGUMENTS), "A" * 45),
    ],
    ids=["own", "every-type", "long-name", "weight-arguments"],
)
def test_generated_code_passes_ruff(
    tmp_path, templates_copy, pattern, specs, class_name
):
    _, files = rendered(templates_copy, pattern, specs, class_name)
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated"]
    # The project's selection, and ruff's own defaults (what a user's CI runs).
    for rules in (["--select", "E,F,W,I,B,UP", "--line-length", "88"], []):
        completed = subprocess.run(
            [*ruff, *rules, str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # where a user runs it: the generated module is first-party
        )
        assert completed.returncode == 0, completed.stdout


@pytest.mark.parametrize(
    "class_name", ["MyBlock", "HTTPEncoder", "Conv2DBlock", "Layer2Norm", "A"]
)
def test_copier_derives_the_same_module_name(tmp_path, templates_copy, class_name):
    destination = tmp_path / "out"
    copier.run_copy(
        str(templates_copy),
        destination,
        data={"pattern": "simple", "class_name": class_name, "package": "p"},
        defaults=True,
        quiet=True,
    )
    assert (destination / f"{snake_case(class_name)}.py").is_file()


# Keras's private API, which a user's module and test file must not hold (issue
# 34): where Keras has no public way, the shared modules hold it, once.
PRIVATE_KERAS = (
    "_flatten_layers",
    "._layers",
    "_tracker",
    "keras.src",
    "_is_quantized",
)
SHARED_FILES = ("keras_scaffold_checks.py", "keras_scaffold_support.py")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_modules_and_test_files_use_no_private_keras_api(templates_copy, pattern):
    _, files = rendered(templates_copy, pattern, tuple(EVERY_TYPE))
    own = {path: text for path, text in files.items() if path.endswith(".py")}
    for path, text in own.items():
        if path.endswith(SHARED_FILES):
            continue
        found = [name for name in PRIVATE_KERAS if name in text]
        assert not found, f"{path} uses {found}"
    # The one place for each: the support module, the checks module.
    assert own["keras_scaffold_support.py"].count("._flatten_layers(") == 1
    assert own["keras_scaffold_checks.py"].count("._flatten_layers(") == 1
