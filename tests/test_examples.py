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
