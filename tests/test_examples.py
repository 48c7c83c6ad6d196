"""generated_examples/: one current example per pattern (their own tests run too)."""

from conftest import EXAMPLES, PATTERNS

from keras_scaffold.records import find_records


def test_there_is_one_example_per_pattern():
    patterns = sorted(record.answers["pattern"] for record in find_records(EXAMPLES))
    assert patterns == PATTERNS


def test_examples_match_what_the_templates_produce(run_cli):
    result = run_cli("regenerate", "--check", str(EXAMPLES), cwd=EXAMPLES.parent)
    assert result.code == 0, result.out + result.err
    assert result.out.strip() == f"{len(PATTERNS)} component(s) up to date."


def test_the_examples_are_as_lean_as_issue_34_asks():
    """Default `new` output, counted as benchmarks/module_size.py counts it: all
    lines, and lines holding code outside docstrings and comments."""
    import importlib.util

    path = EXAMPLES.parent / "benchmarks" / "module_size.py"
    spec = importlib.util.spec_from_file_location("module_size", path)
    module_size = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module_size)
    for name, pattern, most, most_code, _ in module_size.TARGETS:
        lines, code = module_size.count(EXAMPLES / name)
        assert lines <= most, (pattern, lines)
        assert most_code is None or code <= most_code, (pattern, code)
    modules = [
        path
        for path in EXAMPLES.glob("*.py")
        if not path.name.startswith("test_") and path.name != "keras_scaffold_checks.py"
    ]
    assert len(modules) == len(PATTERNS) + 1  # and the support module, once
    total = sum(module_size.count(path)[0] for path in modules)
    assert total <= module_size.MOST_IN_ALL, total
    for path in modules:  # no layer overrides `__call__`
        if path.name != "keras_scaffold_support.py":  # an initializer's is its own
            assert "def __call__" not in path.read_text(), path.name
