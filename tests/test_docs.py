"""docs/, CONTRIBUTING.md and benchmarks/README.md: every relative link and anchor
leads somewhere, every command runs (see doc_examples.py), and docs/rules.md is the
catalog's."""

import re

import pytest
from conftest import REPO
from doc_examples import DOCS, FENCE, anchors, links, make_clone, not_run, run_examples

from keras_scaffold.check.catalog import RULES, RUN_RULES
from keras_scaffold.check.report import rules_page

PAGES = [path for path in DOCS if path != REPO / "README.md"]
# Fenced blocks in any other language are not run, so none may hold a command.
LANGUAGES = {"sh", "shell", "text", "python", "toml", "yaml", ""}


def test_the_pages_teammates_write_into_exist():
    names = {path.name for path in (REPO / "docs").glob("*.md")}
    assert {
        "patterns.md",
        "regenerate.md",
        "safety.md",
        "checking.md",
        "rules.md",
        "backends.md",
        "copier.md",
        "project.md",
    } <= names


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_anchor_leads_somewhere(page):
    text = page.read_text()
    for target in links(text):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor:
            assert linked.suffix == ".md", f"{page.name}: {target}"
            assert anchor in anchors(linked.read_text()), f"{page.name}: {target}"


def test_the_link_reader_finds_links_and_anchors():
    text = "# A `b` c: d\n[x](other.md#y) `[z](no.md)` [w](https://e.org)\n# A b c d\n"
    assert links(text) == ["other.md#y"]
    assert anchors(text) == {"a-b-c-d", "a-b-c-d-1"}


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_block_is_in_a_language_the_tests_know(page):
    found = {m[1] for m in FENCE.finditer(page.read_text())}
    assert found <= LANGUAGES, f"{page.name}: {found - LANGUAGES}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_command_in_the_page_runs(page, run_cli, tmp_path, monkeypatch):
    clone = make_clone(tmp_path / "clone")
    run_examples(page.read_text(), clone, run_cli, monkeypatch)


def test_commands_not_run_here_are_named():
    assert not_run('python -m pip install -e ".[torch]"')
    assert not_run("python -m pytest my_layers")
    assert not not_run("keras-scaffold new simple A")


def test_the_rules_page_is_the_catalogs():
    page = (REPO / "docs" / "rules.md").read_text()
    # Out of date? Run `python -m keras_scaffold.check.report docs/rules.md`.
    assert page == rules_page()
    assert all(f"\n## {rule.id}\n" in page for rule in (*RULES, *RUN_RULES))
    assert re.search(r"\| \[KS101\]\(#ks101\) \|", page)
