"""Benchmark: how many lines a user owns in each generated module, beside keras-hub's.

Counts two ways, as issue 34 does: all lines (`wc -l`), and code lines (lines that
hold a token outside docstrings and comments). Prints, for a folder of generated
modules (default: `generated_examples/`), each module, the shared support module
counted once, the total, and the targets beside keras-hub's counts:

- `transformer` (`transformer_block.py`): at most 300 lines and 167 code lines
  (keras-hub's `TransformerEncoder`: 273 lines, 167 code lines);
- `embedding` (`token_and_position_embedding.py`): at most 250 lines and 159 code
  lines (keras-hub's `TokenAndPositionEmbedding` + `PositionEmbedding`: 137 + 148
  lines, 90 + 69 code lines);
- `composite` (`mlp_block.py`): at most 200 lines;
- the 13 example modules plus the support module: at most 2,550 lines.

keras-hub's counts are keras-hub 0.32.0's (`keras_hub/src/layers/modeling/
transformer_encoder.py`, `token_and_position_embedding.py`,
`position_embedding.py`), counted by this script's `count` on the files of its
wheel; `--keras-hub DIR` counts them again from an unpacked wheel
(`pip download --no-deps keras-hub==0.32.0`, then unzip).

    python benchmarks/module_size.py [FOLDER] [--keras-hub DIR]
"""

import argparse
import ast
import io
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "generated_examples"
SUPPORT = "keras_scaffold_support.py"

# keras-hub 0.32.0: (lines, code lines), counted by `count`.
KERAS_HUB = {
    "transformer_encoder.py": (273, 167),
    "token_and_position_embedding.py": (137, 90),
    "position_embedding.py": (148, 69),
}
# Module, pattern, most lines, most code lines, keras-hub's files to compare with.
TARGETS = [
    ("transformer_block.py", "transformer", 300, 167, ["transformer_encoder.py"]),
    (
        "token_and_position_embedding.py",
        "embedding",
        250,
        159,
        ["token_and_position_embedding.py", "position_embedding.py"],
    ),
    ("mlp_block.py", "composite", 200, None, []),
]
MOST_IN_ALL = 2550

# Tokens that are no code.
NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}


def docstring_lines(source: str) -> set[int]:
    """The line numbers of every docstring (module, class, function)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def count(path: Path) -> tuple[int, int]:
    """(lines, code lines) of a Python file."""
    source = path.read_text(encoding="utf-8")
    docstrings = docstring_lines(source)
    code: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in NOT_CODE:
            continue
        rows = range(token.start[0], token.end[0] + 1)
        code.update(row for row in rows if row not in docstrings)
    return len(source.splitlines()), len(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=EXAMPLES)
    parser.add_argument("--keras-hub", type=Path, help="an unpacked keras-hub wheel")
    args = parser.parse_args()
    hub = dict(KERAS_HUB)
    if args.keras_hub:
        modeling = args.keras_hub / "keras_hub" / "src" / "layers" / "modeling"
        hub = {name: count(modeling / name) for name in KERAS_HUB}
    modules = sorted(
        path
        for path in args.folder.glob("*.py")
        if not path.name.startswith("test_")
        and path.name not in ("keras_scaffold_checks.py", "__init__.py")
    )
    print(f"{'module':<36} {'lines':>6} {'code':>6}")
    total = 0
    for path in modules:
        lines, code = count(path)
        total += lines
        print(f"{path.name:<36} {lines:>6} {code:>6}")
    print(f"{'all modules (support counted once)':<36} {total:>6}")
    print()
    print(f"{'target':<36} {'lines':>13} {'code':>13} {'keras-hub':>14}")
    for name, pattern, most, most_code, hub_files in TARGETS:
        path = args.folder / name
        if not path.is_file():
            continue
        lines, code = count(path)
        hub_lines = sum(hub[f][0] for f in hub_files)
        hub_code = sum(hub[f][1] for f in hub_files)
        shown_code = f"{code} <= {most_code}" if most_code else f"{code}"
        shown_hub = f"{hub_lines} / {hub_code}" if hub_files else "-"
        print(
            f"{pattern + ' (' + name + ')':<36} {f'{lines} <= {most}':>13} "
            f"{shown_code:>13} {shown_hub:>14}"
        )
    print(f"{'13 modules + support':<36} {f'{total} <= {MOST_IN_ALL}':>13}")


if __name__ == "__main__":
    main()
