"""Benchmark: a train step of generated layers sharded with `get_layout_map`
against the same step unsharded, on JAX.

The model is `MlpBlock -> TransformerBlock -> Dense` (the `composite` and
`transformer` examples in `generated_examples/`) on a batch of token vectors. The
unsharded model runs on one device; the sharded one under
`keras.distribution.ModelParallel` on a (`--batch-axis` x `--model-axis`) mesh,
with the layout map of `MlpBlock.get_layout_map` chained into
`TransformerBlock.get_layout_map` and nothing else. Both start from the same
weights, and before timing one step of each must give the same loss (within
1e-4), so both compute the same function. Then, after `--warmup` steps of each,
they take turns (ABBA) for `--repeats` rounds of `--steps` calls of
`train_on_batch` on arrays already placed as each model wants them; the script
prints the median milliseconds per step of each, the ratio sharded/unsharded and
the range of the per-round ratios (the noise).

On a machine without accelerators the devices are XLA's host devices
(`--xla_force_host_platform_device_count`, set here before JAX starts): they
share the machine's CPUs, so the ratio measures what sharding costs there (the
collectives XLA inserts, smaller matrix products), not a speed-up. On GPUs pass
`--platform gpu`: the mesh is made of the GPUs JAX sees.

    python benchmarks/shard.py [--platform cpu|gpu] [--batch-axis 2]
        [--model-axis 4] [--batch 64] [--sequence 32] [--hidden 256]
        [--intermediate 1024] [--heads 8] [--repeats 7] [--steps 10] [--warmup 3]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "generated_examples"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--batch-axis", type=int, default=2)
    parser.add_argument("--model-axis", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--sequence", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--intermediate", type=int, default=1024)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    args = parse()
    devices_wanted = args.batch_axis * args.model_axis
    # Read when JAX starts: set before Keras imports it.
    os.environ["KERAS_BACKEND"] = "jax"
    if args.platform == "cpu":
        os.environ["JAX_PLATFORMS"] = "cpu"
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "")
            + f" --xla_force_host_platform_device_count={devices_wanted}"
        )
    import keras
    import numpy as np

    sys.path.insert(0, str(EXAMPLES))
    from mlp_block import MlpBlock
    from transformer_block import TransformerBlock

    devices = keras.distribution.list_devices(args.platform)[:devices_wanted]
    if len(devices) < devices_wanted:
        sys.exit(f"{devices_wanted} {args.platform} devices wanted, {len(devices)}")
    mesh = keras.distribution.DeviceMesh(
        shape=(args.batch_axis, args.model_axis),
        axis_names=("batch", "model"),
        devices=devices,
    )

    def make() -> keras.Model:
        inputs = keras.Input((args.sequence, args.hidden))
        x = MlpBlock(args.intermediate, args.hidden, dropout_rate=0.0)(inputs)
        x = TransformerBlock(
            args.hidden, args.intermediate, num_heads=args.heads, dropout_rate=0.0
        )(x)
        model = keras.Model(inputs, keras.layers.Dense(args.hidden)(x))
        model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
        return model

    rng = np.random.default_rng(0)
    shape = (args.batch, args.sequence, args.hidden)
    x = rng.standard_normal(shape).astype("float32")
    y = rng.standard_normal(shape).astype("float32")

    keras.utils.set_random_seed(0)
    plain = make()
    weights = plain.get_weights()
    layout_map = TransformerBlock.get_layout_map(
        mesh, layout_map=MlpBlock.get_layout_map(mesh)
    )
    distribution = keras.distribution.ModelParallel(
        layout_map=layout_map, batch_dim_name="batch"
    )
    with distribution.scope():
        sharded = make()
        sharded.set_weights(weights)
        # The batch placed as the distribution lays it out, once.
        sharded_x = keras.distribution.distribute_tensor(
            x, distribution.get_data_layout(x.shape)
        )
        sharded_y = keras.distribution.distribute_tensor(
            y, distribution.get_data_layout(y.shape)
        )
    plain_x, plain_y = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)

    def step(which: str) -> float:
        if which == "sharded":
            with distribution.scope():
                return float(sharded.train_on_batch(sharded_x, sharded_y))
        return float(plain.train_on_batch(plain_x, plain_y))

    first = {which: step(which) for which in ("plain", "sharded")}
    assert abs(first["plain"] - first["sharded"]) < 1e-4, first
    for _ in range(args.warmup):
        step("plain")
        step("sharded")

    def timed(which: str) -> float:
        start = time.perf_counter()
        for _ in range(args.steps):
            step(which)
        return (time.perf_counter() - start) / args.steps * 1000

    rounds = {"plain": [], "sharded": []}
    for index in range(args.repeats):
        order = ("plain", "sharded") if index % 2 == 0 else ("sharded", "plain")
        for which in order:
            rounds[which].append(timed(which))
    ratios = [s / p for s, p in zip(rounds["sharded"], rounds["plain"], strict=True)]
    plain_ms = statistics.median(rounds["plain"])
    sharded_ms = statistics.median(rounds["sharded"])
    print(
        f"mesh ({args.batch_axis} batch x {args.model_axis} model) of "
        f"{args.platform} devices; batch {args.batch}, sequence {args.sequence}, "
        f"hidden {args.hidden}, intermediate {args.intermediate}, heads {args.heads}"
    )
    print("| unsharded ms/step | sharded ms/step | ratio | per-round ratios |")
    print("|---|---|---|---|")
    print(
        f"| {plain_ms:.1f} | {sharded_ms:.1f} | {sharded_ms / plain_ms:.2f} "
        f"| {min(ratios):.2f}-{max(ratios):.2f} |"
    )


if __name__ == "__main__":
    main()
