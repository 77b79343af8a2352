"""The navbar's case search (callbacks/search.py, components/search.py) on a real store: the
cases found link to their pages, scoped to the viewer; nothing typed hides the list; the box is
labelled in the page's language."""

from __future__ import annotations

from sqlalchemy import Engine

from callbacks.search import find_cases
from components import ids
from components.layout import shell
from tests.support.users import viewer
from tests.ui.common import MARKUP, context, ids_in, texts, walk


def words(output: object) -> str:
    return " ".join(texts(output))


def links(output: object) -> list[str]:
    return [c.href for c in walk(output) if getattr(c, "href", None)]


def test_found_cases_link_to_their_pages(engine: Engine, cases: dict[str, str]) -> None:
    children, hidden = find_cases(context(engine, "duty"), "U1", "ru")
    assert not hidden and links(children) == [f"/cases/{cases['B']}"]
    assert "мошенничество" in words(children) and "Просрочено" in words(children)
    children, _ = find_cases(context(engine, "manager-osh"), "U1", "ru")
    assert links(children) == [] and "Ничего не найдено" in words(children)
    children, _ = find_cases(context(engine, "duty"), "img onerror", "en")
    assert links(children) == [f"/cases/{cases['A']}"] and MARKUP not in words(children)


def test_nothing_typed_hides_the_list(engine: Engine, cases: dict[str, str]) -> None:
    for typed in (None, "", "  ", "?!*"):
        assert find_cases(context(engine, "duty"), typed, "ru") == ([], True)


def test_the_box_is_in_the_navbar_of_those_who_see_cases() -> None:
    page = shell(viewer("duty"), "ky")
    assert {ids.SEARCH_INPUT, ids.SEARCH_RESULTS} <= ids_in(page)
    label = next(c for c in walk(page) if getattr(c, "htmlFor", None) == ids.SEARCH_INPUT)
    assert label.children == "Материалды издөө"
    assert ids.SEARCH_INPUT not in ids_in(shell(None, "ru"))


def test_the_box_is_emptied_on_another_page_not_when_one_opens() -> None:
    """A page opening must not wipe what the user began to type (the URL's first value arrives
    after the first keys); going to another page (a result clicked) empties the box."""
    from dash import no_update

    from callbacks.search import emptied_for

    assert emptied_for("/", None) == (no_update, "/")
    assert emptied_for("/", "/") == (no_update, "/")
    assert emptied_for("/cases/KUP-1", "/") == ("", "/cases/KUP-1")
