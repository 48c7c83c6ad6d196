"""Benchmark: where `torch.compile` spends its time on a generated layer's predict.

Evidence for why the compiled-predict check is opt-in on PyTorch: each stage of
`torch.compile` is timed on its own, in a fresh process with an empty
`TORCHINDUCTOR_CACHE_DIR` (cold) and again with the cache it left (warm):

- eager: the model called without compiling (the reference);
- dynamo: graph capture only (`backend="eager"`);
- aot_eager: capture plus AOTAutograd tracing, no code generation;
- inductor: what `model.compile(jit_compile=True)` uses, which generates C++ and
  compiles it with the system compiler;
- inductor, new batch size: a second shape through the same compiled function.

    python benchmarks/torch_compile.py
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import keras, numpy as np, torch
module, name, arguments = sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
shape = tuple(json.loads(sys.argv[5]))
cls = getattr(__import__(module), name)
inputs = keras.Input(shape=(None,) * (len(shape) - 2) + shape[-1:])
model = keras.Model(inputs, cls(**arguments)(inputs))
x = torch.as_tensor(
    np.random.default_rng(0).standard_normal(shape), dtype=torch.float32
)
bigger = torch.as_tensor(
    np.random.default_rng(1).standard_normal((shape[0] + 1,) + shape[1:]),
    dtype=torch.float32,
)

def timed(function, *args):
    start = time.perf_counter()
    with torch.no_grad():
        function(*args)
    return time.perf_counter() - start

def forward(t):
    return model(t, training=False)

times = {"eager": timed(forward, x)}
for backend in ("eager", "aot_eager", "inductor"):
    torch._dynamo.reset()
    label = "dynamo" if backend == "eager" else backend
    compiled = torch.compile(forward, backend=backend)
    times[label] = timed(compiled, x)
times["inductor, new batch size"] = timed(compiled, bigger)
print(json.dumps(times))
"""


def run(cache: str, example: list[str]) -> dict[str, float]:
    env = {**os.environ, "KERAS_BACKEND": "torch", "TORCHINDUCTOR_CACHE_DIR": cache}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(REPO / "generated_examples"), *example],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# (module, class, arguments, input shape) of generated examples.
EXAMPLES = [
    ("scaled_dense", "ScaledDense", {"units": 8}, [4, 6]),
    (
        "transformer_block",
        "TransformerBlock",
        {"hidden_dim": 8, "intermediate_dim": 16},
        [2, 4, 8],
    ),
]


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    header = f"{'example':<18} {'stage':<26} {'cold s':>8} {'warm s':>8}"
    print(f"{header} {'cold/eager':>11}")
    for module, name, arguments, shape in EXAMPLES:
        child_args = [module, name, json.dumps(arguments), json.dumps(shape)]
        with tempfile.TemporaryDirectory() as cache:
            cold = run(cache, child_args)
            warm = run(cache, child_args)
        for stage, seconds in cold.items():
            ratio = seconds / cold["eager"]
            print(
                f"{name:<18} {stage:<26} {seconds:8.3f} {warm[stage]:8.3f} "
                f"{ratio:10.0f}x"
            )


if __name__ == "__main__":
    main()
