"""`[tool.keras-scaffold.check]` in pyproject.toml chooses `check`'s rules as ruff
reads its own `select`, `extend-select`, `ignore` and `per-file-ignores`, and the
flags come after it as ruff's do (issue 35). Bad settings are one line on stderr,
exit 2, nothing printed on stdout."""

import json
from pathlib import Path

from conftest import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Default findings: KS101 twice, KS108, KS203; KS501 (off by default) once.
MODULE = """import keras


class A(keras.layers.Layer):
    def __init__(self, sizes=[1], **kwargs):
        super().__init__(**kwargs)
        self.sizes = sizes
        self.dense = keras.layers.Dense(2)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {**super().get_config(), "sizes": self.sizes}


class B(keras.layers.Layer):
    def __init__(self):
        self.x = 1

    def __call__(self, x):
        return x
"""


def project(tmp_path: Path, table: str, files=("m.py",)) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.keras-scaffold.check]\n{table}\n'
    )
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODULE)
    return tmp_path


def found(run_cli, folder: Path, *flags: str) -> set[tuple[str, str]]:
    result = run_cli("check", ".", "--format", "json", *flags, cwd=folder)
    assert result.code in (0, 1), result.err
    return {(Path(f["path"]).as_posix(), f["rule"]) for f in json.loads(result.out)}


def rules(run_cli, folder: Path, *flags: str) -> set[str]:
    return {rule for _, rule in found(run_cli, folder, *flags)}


def test_no_table_is_the_default(run_cli, tmp_path):
    (tmp_path / "m.py").write_text(MODULE)
    assert rules(run_cli, tmp_path) == {"KS101", "KS108", "KS203"}


def test_select_replaces_the_default(run_cli, tmp_path):
    project(tmp_path, 'select = ["KS1"]')
    assert rules(run_cli, tmp_path) == {"KS101", "KS108"}


def test_extend_select_adds_to_the_default(run_cli, tmp_path):
    project(tmp_path, 'extend-select = ["KS501"]')
    assert rules(run_cli, tmp_path) == {"KS101", "KS108", "KS203", "KS501"}


def test_ignore_takes_away(run_cli, tmp_path):
    project(tmp_path, 'ignore = ["KS2"]')
    assert rules(run_cli, tmp_path) == {"KS101", "KS108"}


def test_the_more_specific_selector_wins(run_cli, tmp_path):
    project(tmp_path, 'select = ["KS1"]\nignore = ["KS108"]')
    assert rules(run_cli, tmp_path) == {"KS101"}
    project(tmp_path, 'select = ["KS108"]\nignore = ["KS1"]')
    assert rules(run_cli, tmp_path) == {"KS108"}
    project(tmp_path, 'select = ["ALL"]\nignore = ["KS1"]')
    assert rules(run_cli, tmp_path) == {"KS203", "KS501"}


def test_flags_come_after_the_settings(run_cli, tmp_path):
    project(tmp_path, 'select = ["KS1"]\nignore = ["KS108"]')
    # --select replaces what the file chose, its ignore included.
    assert rules(run_cli, tmp_path, "--select", "KS108,KS2") == {"KS108", "KS203"}
    # --ignore and --extend-select apply on top of it.
    assert rules(run_cli, tmp_path, "--ignore", "KS101") == set()
    assert rules(run_cli, tmp_path, "--extend-select", "KS5") == {"KS101", "KS501"}


def test_per_file_ignores(run_cli, tmp_path):
    project(
        tmp_path,
        '[tool.keras-scaffold.check.per-file-ignores]\n"tests/*" = ["KS1"]\n'
        '"legacy.py" = ["KS203"]\n"**/deep/*.py" = ["KS2", "KS101"]',
        files=("m.py", "tests/t.py", "pkg/legacy.py", "a/b/deep/d.py"),
    )
    chosen = found(run_cli, tmp_path)
    assert {rule for path, rule in chosen if path == "tests/t.py"} == {"KS203"}
    assert {rule for path, rule in chosen if path == "pkg/legacy.py"} == {
        "KS101",
        "KS108",
    }
    assert {rule for path, rule in chosen if path == "a/b/deep/d.py"} == {"KS108"}
    assert {rule for path, rule in chosen if path == "m.py"} == {
        "KS101",
        "KS108",
        "KS203",
    }
    # A file's ignores hold whatever the flags select (as in ruff).
    chosen = found(run_cli, tmp_path, "--select", "KS1")
    assert {rule for path, rule in chosen if path == "tests/t.py"} == set()


def test_the_nearest_pyproject_with_the_table_is_read(run_cli, tmp_path):
    project(tmp_path, 'select = ["KS203"]', files=("sub/m.py", "other/m.py"))
    # A pyproject.toml without the table is passed over, as ruff passes over one
    # without [tool.ruff]; one with it is the sub-folder's own.
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "sub"\n')
    (tmp_path / "other" / "pyproject.toml").write_text(
        '[tool.keras-scaffold.check]\nselect = ["KS108"]\n'
    )
    chosen = found(run_cli, tmp_path)
    assert {rule for path, rule in chosen if path.startswith("sub/")} == {"KS203"}
    assert {rule for path, rule in chosen if path.startswith("other/")} == {"KS108"}


def test_an_empty_select_carries_its_ignores_over():
    # ruff: `select = []` with `ignore` keeps those ignores for the flags after it.
    from keras_scaffold.check.settings import RuleSelection, resolve

    chosen = resolve(
        [RuleSelection((), (), ("KS101",)), RuleSelection(None, ("KS1",), ())]
    )
    assert "KS101" not in chosen and "KS108" in chosen


BAD = {
    'select = ["KS999"]': "unknown rule `KS999`",
    'select = "KS1"': "`select` must be a list of rule IDs or prefixes",
    "ignore = [1]": "`ignore` must be a list",
    'extend-select = [""]': "names no rule",
    'per-file-ignores = ["tests/*"]': "per-file-ignores must be a table",
    '[tool.keras-scaffold.check.per-file-ignores]\n"[x" = ["KS1"]': "unclosed `[`",
    '[tool.keras-scaffold.check.per-file-ignores]\n"x" = "KS1"': "`x` must be a list",
    'selct = ["KS1"]': "has no setting `selct`",
    "select = [": "cannot read",
}


def test_bad_settings_are_one_line(run_cli, tmp_path):
    for table, words in BAD.items():
        project(tmp_path, table)
        result = run_cli("check", ".", cwd=tmp_path)
        assert result.code == 2, (table, result.err)
        assert result.out == ""
        lines = result.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("keras-scaffold: error: ")
        assert words in lines[0], (table, lines[0])
        assert "pyproject.toml" in lines[0]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.text(max_size=12), max_size=4),
    st.dictionaries(st.text(max_size=8), st.lists(st.text(max_size=6)), max_size=3),
)
def test_any_settings_give_findings_or_one_line(tmp_path, capsys, select, ignores):
    folder = tmp_path / "fuzz"
    folder.mkdir(exist_ok=True)
    inline = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in ignores.items())
    (folder / "pyproject.toml").write_text(
        f"[tool.keras-scaffold.check]\nselect = {json.dumps(select)}\n"
        f"per-file-ignores = {{{inline}}}\n",
        encoding="utf-8",
        errors="surrogatepass",
    )
    (folder / "m.py").write_text(MODULE)
    code, out, err = run_main(["check", "m.py"], folder, capsys)
    if code == 2:
        assert out == "" and len(err.splitlines()) == 1, err
        assert err.startswith("keras-scaffold: error: ")
    else:
        assert code in (0, 1) and err == "", err


PICKY = """import keras


@keras.saving.register_keras_serializable(package="demo")
class Picky(keras.layers.Layer):
    def __init__(self, table, **kwargs):
        super().__init__(**kwargs)
        self.table = table

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {**super().get_config(), "table": self.table}
"""


def test_run_findings_are_chosen_by_the_settings_too(run_cli, tmp_path):
    # No subprocess: Picky cannot be constructed, one KS900 without settings.
    (tmp_path / "layers.py").write_text(PICKY)
    assert run_cli("check", "--run", "layers.py", cwd=tmp_path).code == 1
    project(
        tmp_path,
        '[tool.keras-scaffold.check.per-file-ignores]\n"layers.py" = ["KS9"]',
        files=(),
    )
    result = run_cli("check", "--run", "layers.py", cwd=tmp_path)
    assert (result.code, result.out) == (0, "All checks passed (1 class in 1 file).\n")
