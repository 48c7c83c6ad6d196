"""Benchmark: `keras-scaffold check` on code nobody here wrote.

Fetches keras-hub 0.32.0's wheel with pip (the wheel holds its source) into a cache
folder, then checks its `keras_hub/src` and the installed Keras's `keras/src/layers`
and `keras/src/models` (tests excluded), and prints for each tree: the Layer and
Model subclasses audited out of all those its modules define (counted by importing
every module in a subprocess), the findings per rule, and the seconds the check took
(median and best of --repeats). Then the synthetic cases: an inheritance chain of
--chain classes in one file.

    python benchmarks/corpus.py [--cache DIR] [--repeats 3] [--show RULE]
        [--sample N] [--run] [--backends tensorflow,jax] [--libraries]

--show RULE prints that rule's findings (a seeded sample of --sample of them), for
judging them by reading: benchmarks/corpus.md holds the judgement. --libraries
also measures the Keras-3 libraries of issue 35 (keras-cv 0.9.0, keras-rs 0.4.0,
k3-node 1.0.0, cstmodels 0.1.1, keras-aug 1.1.1), each fetched the same way.
--run also runs `check --run` on twelve of keras_hub.layers' classes on each
backend, with their arguments in a pyproject.toml written beside the unpacked
wheel. Importing keras-hub needs two packages besides Keras (regex and tokenizers):
they are fetched with pip into the cache folder too, and put on the subprocesses'
PYTHONPATH only. Nothing is installed into the environment.
"""

import argparse
import collections
import importlib.metadata
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from keras_scaffold.check import check_paths

REPO = Path(__file__).resolve().parent.parent
KERAS_HUB = "keras-hub==0.32.0"
# What importing keras-hub needs besides Keras, pinned as measured.
IMPORT_DEPS = ("regex==2026.11.19", "tokenizers==0.23.3")
TARGET_SECONDS = {"keras-hub 0.32.0": 4.0}
# Keras-3 libraries nobody here tuned `check` to (issue 35): each wheel's
# requirement and its top package.
LIBRARIES = (
    ("keras-cv==0.9.0", "keras_cv"),
    ("keras-rs==0.4.0", "keras_rs"),
    ("k3-node==1.0.0", "k3_node"),
    ("cstmodels==0.1.1", "cstmodels"),
    ("keras-aug==1.1.1", "keras_aug"),
)
CHAIN_TARGET = 1.0

# The twelve keras_hub.layers classes `--run` checks: (file under
# keras_hub/src/layers/modeling, class, arguments, [tool.keras-scaffold.check]
# settings). The arguments are the smallest that keras-hub's own tests use.
RUN_LAYERS = [
    # (batch, heads, queries, keys): the heads axis is no time axis.
    (
        "alibi_bias.py",
        "AlibiBias",
        {},
        {"input-shape": [2, 2, 5, 5], "variable-axes": []},
    ),
    (
        "cached_multi_head_attention.py",
        "CachedMultiHeadAttention",
        {"num_heads": 2, "key_dim": 4},
        {"input-shape": [2, 5, 8], "call-inputs": {"value": "inputs"}},
    ),
    (
        "f_net_encoder.py",
        "FNetEncoder",
        {"intermediate_dim": 8},
        {"input-shape": [2, 5, 8]},
    ),
    (
        "masked_lm_head.py",
        "MaskedLMHead",
        {"vocabulary_size": 10},
        {
            "input-shape": [2, 5, 8],
            "call-inputs": {
                "mask_positions": {"shape": [3], "dtype": "int32", "max": 5}
            },
        },
    ),
    (
        "position_embedding.py",
        "PositionEmbedding",
        {"sequence_length": 6},
        {"input-shape": [2, 5, 8]},
    ),
    ("rms_normalization.py", "RMSNormalization", {"input_dim": 8}, {}),
    (
        "reversible_embedding.py",
        "ReversibleEmbedding",
        {"input_dim": 10, "output_dim": 8},
        {"input-shape": [2, 5], "input-dtype": "int32"},
    ),
    ("rotary_embedding.py", "RotaryEmbedding", {}, {"input-shape": [2, 5, 2, 8]}),
    (
        "sine_position_encoding.py",
        "SinePositionEncoding",
        {},
        {"input-shape": [2, 5, 8]},
    ),
    (
        "token_and_position_embedding.py",
        "TokenAndPositionEmbedding",
        {"vocabulary_size": 10, "sequence_length": 6, "embedding_dim": 8},
        {"input-shape": [2, 5], "input-dtype": "int32"},
    ),
    (
        "transformer_decoder.py",
        "TransformerDecoder",
        {"intermediate_dim": 8, "num_heads": 2},
        {"input-shape": [2, 5, 8]},
    ),
    (
        "transformer_encoder.py",
        "TransformerEncoder",
        {"intermediate_dim": 8, "num_heads": 2},
        {"input-shape": [2, 5, 8]},
    ),
]


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "-q"], check=True)


def unpack(wheel: Path, folder: Path) -> Path:
    if not folder.is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(folder.with_suffix(".partial"))
        folder.with_suffix(".partial").rename(folder)
    return folder


def fetch(cache: Path, requirement: str = KERAS_HUB) -> Path:
    """A pure-Python wheel, unpacked: the folder that holds its package."""
    name, version = requirement.split("==")
    stem = name.replace("-", "_")
    wheel = cache / f"{stem}-{version}-py3-none-any.whl"
    if not wheel.is_file():
        pip("download", "--no-deps", "--dest", str(cache), requirement)
    return unpack(wheel, cache / f"{stem}-{version}")


def fetch_deps(cache: Path) -> Path:
    """The packages importing keras-hub needs, unpacked into one folder."""
    folder = cache / "deps"
    for requirement in IMPORT_DEPS:
        name, version = requirement.split("==")
        if any(folder.glob(f"{name}-{version}.dist-info")):
            continue
        wheels = cache / "wheels"
        pip("download", "--no-deps", "--only-binary=:all:", "--dest", str(wheels),
            requirement)  # fmt: skip
        for wheel in wheels.glob(f"{name}-{version}-*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(folder)
    return folder


def keras_folder() -> Path:
    """The installed Keras's package folder (found, not imported)."""
    spec = importlib.util.find_spec("keras")
    return Path(spec.origin).parent


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if not p.name.endswith("_test.py"))


CENSUS = """
import importlib, inspect, json, sys, warnings
warnings.simplefilter("ignore")
import keras
from keras.src.layers.layer import Layer
found, failed = [], []
for name, path in json.loads(sys.stdin.read()):
    try:
        module = importlib.import_module(name)
    except BaseException as error:
        failed.append([name, type(error).__name__ + ": " + str(error)[:80]])
        continue
    for value in vars(module).values():
        if (inspect.isclass(value) and value.__module__ == name
                and issubclass(value, Layer) and value is not Layer):
            found.append([path, value.__qualname__])
print(json.dumps({"found": found, "failed": failed}))
"""


def census(label: str, root: Path, files: list[Path], path: list[Path], cache: Path):
    """Every Layer and Model subclass the modules define, by importing them all."""
    stored = cache / f"census-{label.replace(' ', '_')}.json"
    if stored.is_file():
        return json.loads(stored.read_text())
    names = []
    for file in files:
        parts = list(file.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append([".".join(parts), str(file)])
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "PYTHONPATH": os.pathsep.join(str(p) for p in [root, *path]),
    }
    done = subprocess.run(
        [sys.executable, "-c", CENSUS],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    result = json.loads(done.stdout.splitlines()[-1])
    stored.write_text(json.dumps(result))
    return result


def measure(label: str, files: list[Path], every: dict, options) -> dict:
    """Check `files` --repeats times: the classes audited, the findings by rule,
    the seconds."""
    seconds = []
    for _ in range(options.repeats):
        start = time.perf_counter()
        report = check_paths(files)
        seconds.append(time.perf_counter() - start)
    audited = {(path, name) for path, name in report.audited}
    total = {tuple(item) for item in every["found"]}
    by_rule = collections.Counter(f.rule for f in report.findings)
    target = TARGET_SECONDS.get(label)
    print(f"\n## {label}: {len(files)} files")
    print(
        f"audited: {len(total & audited)} of {len(total)} Layer/Model subclasses "
        f"({100 * len(total & audited) / max(len(total), 1):.1f}%); "
        f"{report.classes} classes in all (nested and local ones too)"
    )
    if every["failed"]:
        reasons = collections.Counter(reason for _, reason in every["failed"])
        print(
            f"modules that did not import (their classes uncounted): "
            f"{len(every['failed'])}, "
            + "; ".join(f"{n} x {reason}" for reason, n in reasons.most_common(3))
        )
    missed = sorted(total - audited)
    if missed:
        print(f"not audited ({len(missed)}): " + ", ".join(n for _, n in missed[:15]))
    print(
        f"seconds: median {statistics.median(seconds):.2f}, best {min(seconds):.2f}"
        + (
            f" ({min(seconds) / target:.2f}x the {target:.0f} s target)"
            if target
            else ""
        )
    )
    print(f"errors: {len(report.errors)} {report.errors[:3]}")
    print(
        "findings by rule: "
        + (", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())) or "none")
    )
    if options.show:
        chosen = [f for f in report.findings if f.rule == options.show]
        if options.sample and len(chosen) > options.sample:
            chosen = sorted(random.Random(0).sample(chosen, options.sample))
        for finding in chosen:
            print(f"  {finding.path}:{finding.line}: {finding.rule} {finding.message}")
    return by_rule


def chain(count: int, repeats: int) -> None:
    """An inheritance chain of `count` classes, each with an `__init__` that
    calls its parent's, a `call` and a `get_config`."""
    lines = ["import keras", ""]
    for index in range(count):
        base = "keras.layers.Layer" if index == 0 else f"Layer{index - 1}"
        lines += [
            '@keras.saving.register_keras_serializable(package="chain")',
            f"class Layer{index}({base}):",
            f"    def __init__(self, units{index}=1, **kwargs):",
            "        super().__init__(**kwargs)",
            f"        self.units{index} = units{index}",
            "",
            "    def call(self, inputs):",
            f"        return inputs * self.units{index}",
            "",
            "    def get_config(self):",
            f'        config = {{"units{index}": self.units{index}}}',
            "        return {**super().get_config(), **config}",
            "",
        ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.py"
        path.write_text("\n".join(lines))
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            report = check_paths([path])
            seconds.append(time.perf_counter() - start)
    print(
        f"\n## an inheritance chain of {count} classes: {report.classes} audited, "
        f"{len(report.findings)} findings, best {min(seconds):.2f} s "
        f"({min(seconds) / CHAIN_TARGET:.2f}x the {CHAIN_TARGET:.0f} s target)"
    )


def run_layers(hub: Path, deps: Path, backends: list[str]) -> None:
    """`check --run` on the twelve keras_hub.layers classes, on each backend."""
    folder = hub / "keras_hub" / "src" / "layers" / "modeling"
    table = ["[tool.keras-scaffold.check.init]"]
    table += [f"{name} = {_toml(init)}" for _, name, init, _ in RUN_LAYERS]
    for key in ("input-shape", "input-dtype", "call-inputs", "variable-axes"):
        rows = {name: extra[key] for _, name, _, extra in RUN_LAYERS if key in extra}
        table += ["", f"[tool.keras-scaffold.check.{key}]"]
        table += [f"{name} = {_toml(value)}" for name, value in rows.items()]
    (hub / "pyproject.toml").write_text("\n".join(table) + "\n")
    targets = [f"{folder / file}::{name}" for file, name, _, _ in RUN_LAYERS]
    for backend in backends:
        env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(deps)}
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "keras_scaffold", "check", "--run", "--select",
             "KS9", "--format", "json", *targets],
            capture_output=True, text=True, env=env, cwd=REPO,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        try:
            findings = json.loads(done.stdout)
        except json.JSONDecodeError:
            print(f"\n## check --run on {backend}: failed\n{done.stderr[-2000:]}")
            continue
        print(
            f"\n## check --run, {len(targets)} keras_hub.layers classes, {backend}: "
            f"{len(findings)} findings, {seconds:.0f} s"
        )
        for finding in findings:
            print(f"  {finding['rule']} {finding['message'][:400]}")
            print(f"    hint: {finding['hint']}")


def _toml(value) -> str:
    """A TOML inline value (JSON's strings, numbers and lists are TOML's)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "keras-scaffold-corpus",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show", metavar="RULE")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--chain", type=int, default=2000)
    parser.add_argument("--run", action="store_true")
    parser.add_argument("--backends", default="tensorflow,jax")
    parser.add_argument(
        "--libraries",
        action="store_true",
        help="also the Keras-3 libraries of issue 35 (keras-cv, keras-rs, k3-node, "
        "cstmodels, keras-aug); modules that need packages not installed (keras-cv "
        "needs dm-tree) are left out of the census and said so",
    )
    options = parser.parse_args()
    options.cache.mkdir(parents=True, exist_ok=True)
    hub = fetch(options.cache)
    deps = fetch_deps(options.cache)
    keras = keras_folder()

    trees = [
        ("keras-hub 0.32.0", hub, sources(hub / "keras_hub" / "src"), [deps]),
        (
            f"keras {importlib.metadata.version('keras')} layers and models",
            keras.parent,
            sources(keras / "src" / "layers") + sources(keras / "src" / "models"),
            [],
        ),
    ]
    for requirement, package in LIBRARIES if options.libraries else ():
        folder = fetch(options.cache, requirement)
        files = sources(folder / package)
        trees.append((requirement.replace("==", " "), folder, files, [deps]))
    for label, root, files, path in trees:
        every = census(label, root, files, path, options.cache)
        measure(label, files, every, options)
    chain(options.chain, options.repeats)
    if options.run:
        run_layers(hub, deps, options.backends.split(","))


if __name__ == "__main__":
    main()
