"""The web demo in a real browser: Debian's headless Chromium driven by Playwright's Python API
(`executable_path`; Playwright's own browser download is never used). The page shows every field
with its final value, a field appears before the answer has finished, two tabs on one shared
response both complete, closing one tab mid-stream leaves the other complete, and a reload
mid-stream resumes with `Last-Event-ID`, with one upstream request in total.

Chromium is found as `$INSTANTJSON_CHROMIUM` or `chromium` on the PATH; under `CI=true` a missing
browser fails these tests (`.ci/setup.d/30-web.sh` installs it), elsewhere it skips them.
A screenshot of the finished page is saved in the test's tmp dir (and in `docs/demo-web.png`
with `INSTANTJSON_DOCS_SCREENSHOT=1`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from instantjson._demo import DEMO_ANSWER
from instantjson.testing import MockLLMServer
from instantjson.web._demo import demo_app
from tests.conftest_response import model_for
from tests.web._harness import parse_sse, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parents[2]
ANSWER = json.loads(DEMO_ANSWER)
TIMEOUT = 20_000  # ms


def _chromium() -> str:
    path = os.environ.get("INSTANTJSON_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: .ci/setup.d/30-web.sh installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


class Site:
    def __init__(self, url: str, mock: MockLLMServer) -> None:
        self.url = url
        self.mock = mock


@pytest.fixture
def site_factory() -> Iterator[Any]:
    stack: list[Any] = []

    def make(delay: float) -> Site:
        mock = MockLLMServer(answer=DEMO_ANSWER, chunk=(1, 8), delay=delay).start()
        stack.append(mock.close)
        ctx = serve(demo_app(model_for(mock)))
        url = ctx.__enter__()
        stack.append(lambda: ctx.__exit__(None, None, None))
        return Site(url, mock)

    yield make
    for close in reversed(stack):
        close()


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        path = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else key)
        if isinstance(child, (dict, list)):
            out.update(leaves(child, path))
        else:
            out[path] = child
    return out


def shown(page: Page) -> dict[str, str]:
    """Every leaf the page shows: data-path -> text, with whether it is marked complete."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-path]')]
            .filter(el => el.querySelector(':scope > .body > .value'))
            .map(el => [el.dataset.path,
                        (el.classList.contains('complete') ? '' : 'INCOMPLETE:')
                        + el.querySelector(':scope > .body > .value').textContent]))"""
    )


def ask(page: Page, url: str) -> str:
    page.goto(url + "/")
    page.click("#send")
    page.wait_for_function("document.body.dataset.response", timeout=TIMEOUT)
    return str(page.evaluate("document.body.dataset.response"))


def wait_done(page: Page) -> None:
    page.wait_for_function("document.body.dataset.done === 'true'", timeout=TIMEOUT)


def check_final(page: Page) -> None:
    expected = {path: str(value) for path, value in leaves(ANSWER).items()}
    assert shown(page) == expected
    for path in ("steps[0]", "steps[1]", "steps[2]", "steps", "title", "summary"):
        assert "complete" in (page.get_attribute(f'[data-path="{path}"]', "class") or ""), path
    assert page.inner_text("#text") == DEMO_ANSWER
    assert page.inner_text("#status") == "complete"
    assert page.locator(".card").count() == 3


def test_the_page_shows_every_field_with_its_final_value(browser: Browser, site_factory: Any, tmp_path: Path) -> None:
    site = site_factory(delay=0.002)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    ask(page, site.url)
    wait_done(page)
    check_final(page)
    assert page.inner_text("#stat-model") == "mock-model"
    assert errors == []
    page.wait_for_timeout(1600)  # let the completion highlights fade
    page.screenshot(path=str(tmp_path / "demo-web.png"), full_page=True)
    if os.environ.get("INSTANTJSON_DOCS_SCREENSHOT") == "1":
        page.screenshot(path=str(REPO / "docs" / "demo-web.png"), full_page=True)
    assert (tmp_path / "demo-web.png").stat().st_size > 10_000
    assert len(site.mock.requests) == 1
    page.close()


def test_a_field_appears_before_the_answer_has_finished(browser: Browser, site_factory: Any) -> None:
    site = site_factory(delay=0.04)
    page = browser.new_page()
    ask(page, site.url)
    page.wait_for_selector('[data-path="title"].complete', timeout=TIMEOUT)
    state = page.evaluate(
        """() => ({done: document.body.dataset.done, status: document.querySelector('#status').dataset.state,
                   cards: document.querySelectorAll('.card.complete').length,
                   text: document.querySelector('#text').textContent.length})"""
    )
    assert state["done"] != "true" and state["status"] == "streaming"
    assert state["cards"] == 0, "the steps are still to come"
    assert 0 < state["text"] < len(DEMO_ANSWER) / 2
    assert page.inner_text('[data-path="title"] .value') == ANSWER["title"]
    wait_done(page)
    check_final(page)
    page.close()


def test_two_tabs_on_one_shared_response(browser: Browser, site_factory: Any) -> None:
    site = site_factory(delay=0.01)
    first = browser.new_page()
    rid = ask(first, site.url)
    second = browser.new_page()
    second.goto(f"{site.url}/#r={rid}")
    wait_done(first)
    wait_done(second)
    check_final(first)
    check_final(second)
    assert len(site.mock.requests) == 1, "one upstream request for both tabs"
    first.close()
    second.close()


def test_closing_one_tab_mid_stream_leaves_the_other_complete(browser: Browser, site_factory: Any) -> None:
    site = site_factory(delay=0.05)
    first = browser.new_page()
    rid = ask(first, site.url)
    second = browser.new_page()
    second.goto(f"{site.url}/#r={rid}")
    second.wait_for_function("document.querySelector('#stat-events').textContent !== '0'", timeout=TIMEOUT)
    assert first.evaluate("document.body.dataset.done") != "true", "still streaming"
    first.close()  # mid-stream: the tab that asked
    wait_done(second)
    check_final(second)
    assert len(site.mock.requests) == 1
    second.close()


def test_a_reload_mid_stream_resumes_by_last_event_id(browser: Browser, site_factory: Any) -> None:
    site = site_factory(delay=0.05)
    page = browser.new_page()
    streams: list[Any] = []
    page.on("request", lambda request: streams.append(request) if "/stream" in request.url else None)
    ask(page, site.url)
    page.wait_for_selector('[data-path="summary"].complete', timeout=TIMEOUT)
    assert page.evaluate("document.body.dataset.done") != "true"
    page.reload()
    wait_done(page)
    check_final(page)
    assert len(streams) == 2
    assert "last-event-id" not in streams[0].headers
    resumed_after = int(streams[1].headers["last-event-id"])
    assert resumed_after > 10
    body = streams[1].response().body().decode()
    ids = [int(f["id"]) for f in parse_sse(body) if f["id"] is not None]
    assert ids and ids[0] > resumed_after, "the server sent only what the page had not seen"
    assert len(site.mock.requests) == 1, "one upstream request in total"
    page.close()
