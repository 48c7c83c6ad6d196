"""Benchmark: train-step time of generated layers against Keras's own, per backend.

Two comparisons, each a pair of functional models compiled the same way (Adam,
mean squared error, Keras's default `jit_compile`) and trained on one fixed batch:

- `simple`: the generated `ScaledDense(units)` against `keras.layers.Dense(units)`;
- `composite`: the generated `MlpBlock(hidden_dim, output_dim)` against the same
  layers written inline: `Dense(hidden_dim, "relu")` -> `Dropout(0.1)` ->
  `LayerNormalization()` -> `Dense(output_dim)`.

The generated classes are imported from `generated_examples/`. Before timing, the
reference model gets the generated model's weights and both must give the same
outputs in inference mode, so each pair computes the same function. Each backend
runs in its own Python process (`KERAS_BACKEND` is read when Keras is imported):
the script starts itself with `--backend NAME` as a worker that prints JSON, and
the parent prints one table. In a worker, after `--warmup` steps of each model,
generated and reference take turns (in ABBA order) for `--repeats` rounds of
`--steps` calls of `train_on_batch` on tensors already on the backend; the table
shows the median milliseconds per step of each, their ratio (target: 1.02 or
less) and the range of the per-round ratios, a measure of the noise.

By default each backend uses as many threads as it likes. On a machine where other
processes compete for the CPUs, a backend's thread pool can stall waiting for a
descheduled thread (PyTorch on 2 busy cores slowed down tenfold or more);
`--threads 1` limits each backend to one compute thread (OpenMP, TensorFlow's
thread pools, XLA's Eigen pool), which makes the timings slower but steadier.

    python benchmarks/train_step.py [--backends tensorflow,jax,torch]
        [--batch 256] [--features 512] [--units 512] [--hidden 512]
        [--repeats 11] [--steps 30] [--warmup 10] [--threads N]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "generated_examples"
TARGET = 1.02
MARKER = "RESULT "


def build_pairs(keras: Any, args: argparse.Namespace) -> dict[str, tuple[Any, Any]]:
    """Each comparison's (generated, reference) pair of uncompiled models."""
    sys.path.insert(0, str(EXAMPLES))
    from mlp_block import MlpBlock
    from scaled_dense import ScaledDense

    def functional(*layers: Any) -> Any:
        inputs = keras.Input(shape=(args.features,))
        outputs = inputs
        for layer in layers:
            outputs = layer(outputs)
        return keras.Model(inputs, outputs)

    init = "glorot_uniform"
    return {
        "simple": (
            functional(ScaledDense(args.units, kernel_initializer=init)),
            functional(keras.layers.Dense(args.units, kernel_initializer=init)),
        ),
        "composite": (
            functional(MlpBlock(args.hidden, args.units, kernel_initializer=init)),
            functional(
                keras.layers.Dense(
                    args.hidden, activation="relu", kernel_initializer=init
                ),
                keras.layers.Dropout(0.1),
                keras.layers.LayerNormalization(),
                keras.layers.Dense(args.units, kernel_initializer=init),
            ),
        ),
    }


def time_steps(model: Any, x: Any, y: Any, steps: int) -> float:
    """Milliseconds per `train_on_batch` step (each returns its loss as a float)."""
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return (time.perf_counter() - start) / steps * 1000


def worker(args: argparse.Namespace) -> None:
    os.environ["KERAS_BACKEND"] = args.backend
    import keras
    import numpy as np

    assert keras.backend.backend() == args.backend, keras.backend.backend()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((args.batch, args.features)).astype("float32")
    y_np = rng.standard_normal((args.batch, args.units)).astype("float32")
    x, y = keras.ops.convert_to_tensor(x_np), keras.ops.convert_to_tensor(y_np)
    results = []
    for comparison, (generated, reference) in build_pairs(keras, args).items():
        reference.set_weights(generated.get_weights())
        difference = np.max(
            np.abs(
                keras.ops.convert_to_numpy(generated(x, training=False))
                - keras.ops.convert_to_numpy(reference(x, training=False))
            )
        )
        assert difference < 1e-4, (comparison, difference)
        assert generated.count_params() == reference.count_params(), comparison
        for model in (generated, reference):
            model.compile(optimizer="adam", loss="mse")
            time_steps(model, x, y, args.warmup)
        times: dict[str, list[float]] = {"generated": [], "reference": []}
        for round_ in range(args.repeats):
            order = ["generated", "reference"]
            if round_ % 2:
                order.reverse()
            for name in order:
                model = generated if name == "generated" else reference
                times[name].append(time_steps(model, x, y, args.steps))
        results.append(
            {
                "backend": args.backend,
                "comparison": comparison,
                "jit_compile": bool(generated.jit_compile),
                "generated_ms": statistics.median(times["generated"]),
                "reference_ms": statistics.median(times["reference"]),
                "round_ratios": [
                    g / r
                    for g, r in zip(times["generated"], times["reference"], strict=True)
                ],
                "params": generated.count_params(),
            }
        )
    print(MARKER + json.dumps(results))


def run_worker(backend: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    command = [sys.executable, str(Path(__file__).resolve()), "--backend", backend]
    for name in ("batch", "features", "units", "hidden", "repeats", "steps", "warmup"):
        command += [f"--{name}", str(getattr(args, name))]
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if args.threads:
        threads = str(args.threads)
        env.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        env.update(TF_NUM_INTRAOP_THREADS=threads, TF_NUM_INTEROP_THREADS=threads)
        if args.threads == 1:
            flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
            env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {flags}".strip()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{backend} worker failed:\n{done.stderr}")
    seconds = time.perf_counter() - start
    print(f"{backend}: worker finished in {seconds:.0f} s", file=sys.stderr)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    return json.loads(lines[-1][len(MARKER) :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--features", type=int, default=512)
    parser.add_argument("--units", type=int, default=512)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--threads", type=int, default=0, help="compute threads (default: backend's)"
    )
    args = parser.parse_args()
    if args.backend:
        worker(args)
        return
    load = os.getloadavg()[0]
    results = []
    for backend in args.backends.split(","):
        results += run_worker(backend, args)
    print(
        f"batch {args.batch}, features {args.features}, units {args.units}, "
        f"hidden {args.hidden}; median of {args.repeats} interleaved rounds of "
        f"{args.steps} steps; threads {args.threads or 'backend default'}; "
        f"1-minute load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs"
    )
    print(
        f"{'backend':<11} {'comparison':<10} {'jit':<5} {'generated ms':>12} "
        f"{'reference ms':>12} {'ratio':>7} {'round ratios':>13} {'<=1.02':>6}"
    )
    for row in results:
        ratio = row["generated_ms"] / row["reference_ms"]
        spread = f"{min(row['round_ratios']):.2f}-{max(row['round_ratios']):.2f}"
        print(
            f"{row['backend']:<11} {row['comparison']:<10} "
            f"{str(row['jit_compile']):<5} {row['generated_ms']:12.2f} "
            f"{row['reference_ms']:12.2f} {ratio:6.3f}x {spread:>13} "
            f"{'yes' if ratio <= TARGET else 'no':>6}"
        )


if __name__ == "__main__":
    main()
