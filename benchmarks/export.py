"""Benchmark: every generated example exported to each format, served, compared.

For each backend (`--backend`, repeatable; default: tensorflow, jax and torch, each
in a subprocess of its own), 15 small models:

- one per example of `generated_examples/`, built as users build them: a
  `keras.Input`, the layer (a recurrent cell inside `keras.layers.RNN`, as its
  test file wraps it) and a `Dense` head; a model pattern is the model itself.
  Each layer takes the configuration and sample inputs of its own test file
  (`make_config()`, `input_shape`, `input_dtype`, `make_inputs()`), and the
  model takes any batch size (and sequence length) as the tests' `make_model`;
- a text stack: the embedding example, two transformer blocks, the attention
  pooling and a `Dense` head;
- a vision stack: the conv block, the composite block, a global average pooling
  and a `Dense` head.

Each model is called once, exported with `model.export(path,
format=...)` to each format (`--format`, repeatable; default `tf_saved_model`,
`onnx`, `litert`), loaded with the format's own runtime (TensorFlow's
`tf.saved_model.load`, onnxruntime's `InferenceSession`, ai-edge-litert's
`Interpreter`), and served the same inputs. It prints, per example and format, the
largest absolute difference between the served outputs and `predict`'s and the
seconds `model.export` took; where a step fails, the step (export, load, serve) and
the first line of the error, Keras's own where Keras refuses the format on this
backend; then how many of the 15 served within `--tolerance` (1e-4) per format.

Two models take options (`export_options`, each printed): a recurrent cell's
model is exported to LiteRT with a fixed batch size (an `input_signature`),
without which `keras.layers.RNN` needs TensorFlow's Select ops that
ai-edge-litert's interpreter lacks; on JAX, a model of the embedding is exported
to a SavedModel with a fixed sequence length, without which jax2tf cannot slice
the position table (docs/export.md). `--keras-defaults` exports every model with
Keras's default options only.

    python benchmarks/export.py [--backend tensorflow] [--format onnx]
        [--only mlp_block] [--tolerance 1e-4] [--keras-defaults]
"""

import argparse
import contextlib
import importlib
import inspect
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "generated_examples"
BACKENDS = ("tensorflow", "jax", "torch")
FORMATS = ("tf_saved_model", "onnx", "litert")
FILE_NAMES = {
    "tf_saved_model": "saved_model",
    "onnx": "model.onnx",
    "litert": "model.tflite",
}
HEAD_UNITS = 3
STACKS = ("text_stack", "vision_stack")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--format", action="append", choices=FORMATS)
    parser.add_argument("--only", action="append", help="an example or stack name")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument(
        "--keras-defaults",
        action="store_true",
        help="export every model with Keras's default options only",
    )
    args = parser.parse_args()
    formats = args.format or list(FORMATS)
    backends = args.backend or list(BACKENDS)
    if len(backends) == 1 and os.environ.get("KERAS_BACKEND") == backends[0]:
        return run_here(formats, args.only, args.tolerance, args.keras_defaults)
    # Each backend in a fresh process: Keras reads KERAS_BACKEND once, on import.
    status = 0
    for backend in backends:
        command = [sys.executable, __file__, "--backend", backend]
        command += [f"--format={each}" for each in formats]
        command += [f"--only={each}" for each in args.only or ()]
        command += [f"--tolerance={args.tolerance}"]
        command += ["--keras-defaults"] if args.keras_defaults else []
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        status |= subprocess.run(command, env=env, check=False).returncode
        print(flush=True)
    return status


def run_here(formats, only, tolerance, keras_defaults):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore")
    import keras
    import numpy as np

    # tf2onnx and absl log every conversion; the failures are reported below.
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    sys.path.insert(0, str(EXAMPLES))
    checks_module = importlib.import_module("keras_scaffold_checks")
    checks_module.set_up_backend()

    print(f"backend {keras.backend.backend()}: {versions()}")
    cases = [name for name in case_names() if not only or name in only]
    width = max(len(name) for name in cases) + 2
    print("example".ljust(width) + "".join(f"{f:<26}" for f in formats))
    print(" " * width + "".join(f"{'max |diff|, export s':<26}" for _ in formats))
    failures, notes = [], []
    served = {fmt: 0 for fmt in formats}
    for name in cases:
        model, inputs = build_case(name, checks_module)
        options = {} if keras_defaults else export_options(model, inputs)
        expected = np.asarray(model.predict(inputs, verbose=0))
        row = name.ljust(width)
        for fmt in formats:
            outcome = export_and_serve(model, fmt, inputs, expected, options.get(fmt))
            if fmt in options:
                notes.append(f"{name}, {fmt}: exported with {describe(options[fmt])}")
            if isinstance(outcome, str):
                failures.append(f"{name}, {fmt}: {outcome}")
                row += f"{'fails (below)':<26}"
                continue
            difference, seconds = outcome
            if difference <= tolerance:
                served[fmt] += 1
            else:
                failures.append(
                    f"{name}, {fmt}: served outputs differ by {difference:.1e}"
                )
            row += f"{f'{difference:.1e}, {seconds:.2f}':<26}"
        print(row, flush=True)
    print()
    for line in notes + failures:
        print(line)
    print()
    print(
        f"served within {tolerance:g} of predict: "
        + ", ".join(f"{fmt} {served[fmt]} of {len(cases)}" for fmt in formats)
    )
    return 0


def versions():
    import importlib.metadata

    names = (
        "keras",
        "tensorflow",
        "jax",
        "torch",
        "tf2onnx",
        "onnxruntime",
        "ai-edge-litert",
    )
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def case_names():
    examples = sorted(path.stem[len("test_") :] for path in EXAMPLES.glob("test_*.py"))
    return examples + list(STACKS)


def test_class(example, checks_module):
    """The `LayerChecks` subclass of an example's test file."""
    module = importlib.import_module(f"test_{example}")
    for value in vars(module).values():
        if (
            inspect.isclass(value)
            and issubclass(value, checks_module.LayerChecks)
            and value.__module__ == module.__name__
            and value.layer_class is not None
        ):
            return value
    raise LookupError(f"no LayerChecks subclass in test_{example}.py")


def build_case(name, checks_module):
    """A called model and its sample inputs."""
    import keras

    if name in STACKS:
        return build_stack(name, checks_module)
    checks = test_class(name, checks_module)()
    layer = checks.make_layer()
    if isinstance(checks, checks_module.ModelChecks):
        model = checks.make_model(layer)
    else:
        # As `make_model`, with the head users put after a layer.
        x = keras.Input(shape=checks.flexible_shape()[1:], dtype=checks.input_dtype)
        y = checks.call_layer(layer, x)
        model = keras.Model(x, keras.layers.Dense(HEAD_UNITS, name="head")(y))
    inputs = checks.make_inputs()
    # Keras exports only a model that was called: on JAX, `predict` on a model
    # built by its own `build()` does not count (docs/export.md).
    model(inputs)
    return model, inputs


def export_options(model, inputs):
    """The options each format needs for `model` (docs/export.md says why)."""
    import keras

    options = {}
    dtype = keras.backend.standardize_dtype(inputs.dtype)
    if any(isinstance(layer, keras.layers.RNN) for layer in model.layers):
        # LiteRT's built-in ops run `keras.layers.RNN` with a fixed batch size
        # (or `unroll=True` and a fixed length); else it needs Select ops.
        shape = (inputs.shape[0], None) + inputs.shape[2:]
        options["litert"] = {
            "input_signature": [keras.InputSpec(shape=shape, dtype=dtype)]
        }
    sequence_length = any(hasattr(layer, "sequence_length") for layer in model.layers)
    if keras.backend.backend() == "jax" and sequence_length:
        # jax2tf cannot prove a symbolic length at most `sequence_length`, which
        # slicing the position table needs: the length is fixed.
        shape = (None,) + inputs.shape[1:]
        spec = keras.InputSpec(shape=shape, dtype=dtype)
        options["tf_saved_model"] = {"input_signature": [spec]}
    return options


def build_stack(name, checks_module):
    import keras

    def layer(example, **overrides):
        checks = test_class(example, checks_module)()
        return checks.make_layer(**overrides), checks

    head = keras.layers.Dense(HEAD_UNITS, name="head")
    if name == "text_stack":
        block, _ = layer("transformer_block")
        embedding, checks = layer(
            "token_and_position_embedding", embedding_dim=block.hidden_dim
        )
        x = keras.Input(shape=(None,), dtype="int32")
        y = embedding(x)
        y = layer("transformer_block")[0](block(y))
        outputs = head(layer("attention_pooling")[0](y))
    else:
        conv, checks = layer("conv_block")
        x = keras.Input(shape=checks.flexible_shape()[1:])
        y = layer("mlp_block")[0](conv(x))
        outputs = head(
            keras.layers.GlobalAveragePooling2D(data_format=conv.data_format)(y)
        )
    model = keras.Model(x, outputs, name=name)
    inputs = checks.make_inputs()
    model(inputs)
    return model, inputs


def describe(options):
    return ", ".join(
        (
            f"{key}=[{', '.join(f'InputSpec(shape={spec.shape})' for spec in value)}]"
            if key == "input_signature"
            else f"{key}={value!r}"
        )
        for key, value in options.items()
    )


@contextlib.contextmanager
def stdout_to_stderr():
    """What the converters print (PyTorch's ONNX exporter prints a whole graph
    where it fails) goes to stderr, out of the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def export_and_serve(model, fmt, inputs, expected, options=None):
    """(largest difference, export seconds), or where it failed and why."""
    import numpy as np

    with tempfile.TemporaryDirectory() as folder, stdout_to_stderr():
        path = os.path.join(folder, FILE_NAMES[fmt])
        started = time.perf_counter()
        try:
            model.export(path, format=fmt, verbose=False, **(options or {}))
        except Exception as error:  # every failure is the measurement
            return f"export: {first_line(error, folder)}"
        seconds = time.perf_counter() - started
        try:
            serve = LOADERS[fmt](path)
        except Exception as error:
            return f"load: {first_line(error, folder)}"
        try:
            outputs = np.asarray(serve(inputs))
        except Exception as error:
            return f"serve: {first_line(error, folder)}"
    return float(np.max(np.abs(outputs - expected))), seconds


def first_line(error, folder):
    """The error's type and first line, without the temporary folder; a long
    line keeps its start and its end (onnxruntime's ends with the op it lacks)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = (lines[0] if lines else "").replace(folder + os.sep, "")
    if len(text) > 240:
        text = text[:130] + " ... " + text[-100:]
    return f"{type(error).__name__}: {text}"


def load_saved_model(path):
    import tensorflow as tf

    artifact = tf.saved_model.load(path)
    return lambda inputs: artifact.serve(tf.constant(inputs)).numpy()


def load_onnx(path):
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda inputs: session.run(None, {name: inputs})[0]


def load_litert(path):
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=path).get_signature_runner()
    (name,) = runner.get_input_details()
    # The runner resizes the inputs of a model exported with dynamic dimensions.
    return lambda inputs: next(iter(runner(**{name: inputs}).values()))


LOADERS = {"tf_saved_model": load_saved_model, "onnx": load_onnx, "litert": load_litert}


if __name__ == "__main__":
    sys.exit(main())
