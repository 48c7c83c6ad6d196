"""keras-scaffold's cache (compiled templates, black's output, components found up
to date): it only ever makes a command faster, never changes what it writes."""

import os

import black
import jinja2
import pytest
from conftest import snapshot

from keras_scaffold import cache
from keras_scaffold.component import make_answers, render
from keras_scaffold.formatting import format_python
from keras_scaffold.templates import Templates


def rendered(templates_dir, class_name="ScaledDense"):
    templates = Templates(templates_dir)
    answers = make_answers(templates, "simple", class_name, "pkg")
    return render(templates, answers).files


def without_cache(monkeypatch, templates_dir):
    with monkeypatch.context() as patch:
        patch.setenv(cache.ENVIRONMENT_VARIABLE, "")
        return rendered(templates_dir)


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        # A template's text: Jinja compares the source with the compiled one's.
        ("simple/module.py.jinja", "{% block call %}\n", "{% block call %}\n# v2\n"),
        # A template the first one includes.
        ("_shared/layer.py.jinja", "import keras\n", "import keras  # v2\n"),
    ],
)
def test_an_edited_template_or_setting_is_never_served_stale(
    monkeypatch, templates_copy, path, old, new
):
    first = rendered(templates_copy)
    assert first == without_cache(monkeypatch, templates_copy)
    edited = templates_copy / path
    assert old in edited.read_text()
    edited.write_text(edited.read_text().replace(old, new, 1))
    second = rendered(templates_copy)
    assert second != first
    assert second == without_cache(monkeypatch, templates_copy)


def test_compiled_templates_are_kept_apart_by_every_setting_that_shapes_them():
    """What the sources do not show: the environment's class (a sandbox compiles
    calls differently), its extensions and options (copier.yml's `_envops`)."""
    settings = {"environment": "SandboxedEnvironment", "trim_blocks": True}
    folders = {
        cache.bytecode_cache(**settings).directory,
        cache.bytecode_cache(**{**settings, "trim_blocks": False}).directory,
        cache.bytecode_cache(**{**settings, "environment": "Environment"}).directory,
        cache.bytecode_cache(**settings, extensions=["x"]).directory,
    }
    assert len(folders) == 4
    assert cache.bytecode_cache(**settings).directory in folders


def test_black_is_asked_once_per_text(monkeypatch):
    text = "x = {  'a':1 }\n"
    assert format_python("a.py", text) == black.format_str(text, mode=black.Mode())
    calls = []
    monkeypatch.setattr(black, "format_str", lambda *a, **k: calls.append(a) or "")
    assert format_python("b.py", text) == 'x = {"a": 1}\n'
    assert calls == []
    assert format_python("c.txt", text) == text


def test_an_empty_cache_variable_caches_nothing(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, "")
    assert cache.folder() is None
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("new", "simple", "ScaledDense", cwd=out).code == 0
    assert (out / "scaled_dense.py").is_file()


def test_the_default_folder_is_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENVIRONMENT_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert cache.folder() == tmp_path / "keras-scaffold" / cache.FORMAT


def test_a_cache_that_cannot_be_written_is_no_error(run_cli, tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(blocked))
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("new", "simple", "ScaledDense", cwd=out)
    assert result.code == 0, result.err
    assert "scaled_dense.py" in snapshot(out)


def rendering_counted(monkeypatch) -> list[str]:
    """The files' templates rendered from here on, by name (Jinja's own render,
    counted; a path's parts, rendered from strings, aside)."""
    names = []
    render_method = jinja2.Template.render

    def counted(self, *args, **kwargs):
        if self.name is not None:
            names.append(self.name)
        return render_method(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", counted)
    return names


def test_a_file_is_rendered_again_only_where_a_template_it_loads_changed(
    monkeypatch, templates_copy
):
    first = rendered(templates_copy)
    names = rendering_counted(monkeypatch)
    assert rendered(templates_copy) == first
    assert names == []
    # The module's pattern template: the module renders again, its test (which
    # reaches `simple/test_module.py.jinja` through an include whose name is an
    # expression) and the shared checks do not.
    module = templates_copy / "simple" / "module.py.jinja"
    module.write_text(
        module.read_text().replace(
            "{% block call %}\n", "{% block call %}\n        # v2\n", 1
        )
    )
    second = rendered(templates_copy)
    assert names == [component_template(templates_copy, "{{ module_dir }}")]
    assert second["scaled_dense.py"] != first["scaled_dense.py"]
    assert second == without_cache(monkeypatch, templates_copy)
    # A template the test file extends, two levels down.
    names.clear()
    shared = templates_copy / "_shared" / "test_layer.py.jinja"
    shared.write_text(shared.read_text() + "# v3\n")
    third = rendered(templates_copy)
    assert names == [component_template(templates_copy, "{{ tests_dir }}", "test_")]
    assert third["test_scaled_dense.py"].endswith("# v3\n")
    assert third == without_cache(monkeypatch, templates_copy)


def component_template(templates, folder: str, holding: str = "") -> str:
    """The name of the one file of `_component/FOLDER/` whose name holds `holding`
    (the module's, or the test's: `'test_' ~ module_name`)."""
    (path,) = [
        path
        for path in (templates / "_component" / folder).iterdir()
        if f"'{holding}" in path.name
        and "checks" not in path.name
        and "support" not in path.name
    ]
    return path.relative_to(templates).as_posix()


def test_other_answers_are_rendered_for_themselves(monkeypatch, templates_copy):
    first = rendered(templates_copy, "ScaledDense")
    second = rendered(templates_copy, "OtherDense")
    assert second != first
    assert second == rendered(templates_copy, "OtherDense")
    with monkeypatch.context() as patch:
        patch.setenv(cache.ENVIRONMENT_VARIABLE, "")
        assert second == rendered(templates_copy, "OtherDense")


@pytest.mark.parametrize(
    "damage",
    ["", "{", '{"templates": {}, "source": "x", "text": "wrong"}', "[1, 2]", "null"],
)
def test_a_damaged_rendered_entry_is_only_rendered_again(
    monkeypatch, templates_copy, damage
):
    first = rendered(templates_copy)
    entries = list((cache.folder() / "rendered").iterdir())
    assert entries
    for entry in entries:
        entry.write_text(damage)
    assert rendered(templates_copy) == first
