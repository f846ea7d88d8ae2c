"""In a real browser (headless Chromium through Playwright), in Kyrgyz and Russian: a form
with three mistakes shows them all at once in an error summary that takes the focus and
links to each field; the PIN box suggests teachers by name; the programme search picks
from the list; and without JavaScript the summary and the search still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, PIN

pytestmark = pytest.mark.browser

SUMMARY_TITLE = {"ky": "Каталарды оңдоңуз", "ru": "Исправьте ошибки"}


def sign_in(page, name: str, lang: str) -> None:
    page.goto(f"/sign-in?lang={lang}")
    page.locator("#name").fill(name)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url("**/")


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_three_mistakes_show_at_once_in_a_summary_that_takes_the_focus(page, enter_as, lang):
    enter_as(page, "registrar")
    page.goto(f"/record/teachers/new?lang={lang}")
    page.locator("#pin").fill("2150519851234")  # 13 digits
    page.locator("#full_name").fill("Эркин Жумабаев")
    page.locator("#region").select_option("KG-N")
    page.locator("#school").fill("School No. 1")
    page.locator("#subject").select_option("biology")
    page.locator("#position").select_option("teacher")
    page.locator("#service_start").fill("2099-01-01")  # in the future; no district
    page.locator("form[method=post] button[type=submit]").last.click()
    summary = page.get_by_role("alert")
    assert SUMMARY_TITLE[lang] in summary.inner_text()
    # Focused by a deferred script once the page is parsed: waited for, not raced.
    expect(page.locator("[data-error-summary]")).to_be_focused()
    links = summary.get_by_role("link")
    assert sorted(links.evaluate_all("(ls) => ls.map((l) => l.getAttribute('href'))")) == [
        "#district",
        "#pin",
        "#service_start",
    ]
    summary.locator("a[href='#pin']").click()
    assert page.evaluate("document.activeElement.id") == "pin"
    invalid = page.locator("[aria-invalid=true]").evaluate_all("(es) => es.map((e) => e.id)")
    assert sorted(invalid) == ["district", "pin", "service_start"]


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_the_pin_box_suggests_teachers_by_name_and_the_programme_search_picks(page, enter_as, lang):
    enter_as(page, "registrar")
    page.goto(f"/record/enrolments/new?lang={lang}")
    pin = page.locator("#pin")
    pin.press_sequentially("асанова айгул", delay=20)  # у typed for ү
    option = page.locator("#pin-suggestions").get_by_role("option").filter(has_text="Айгүл Асанова")
    option.wait_for()
    assert pin.get_attribute("aria-expanded") == "true"
    pin.press("ArrowDown")
    pin.press("Enter")
    assert pin.input_value() == PIN
    assert pin.get_attribute("aria-expanded") == "false"
    search = page.locator("#programme_q")
    search.press_sequentially("mathem", delay=20)
    page.locator("#programme_q-suggestions").get_by_role("option").filter(
        has_text="MATH-72"
    ).first.click()
    chosen = page.locator("#programme_id").evaluate("(s) => s.options[s.selectedIndex].text")
    assert "MATH-72" in chosen


# The server's answers as a slow server gives them, under the test's control: held in the
# page (once `window.heldAnswers.hold` is set) until the test releases them, so the test
# waits on what the page shows, not on a guess of how long an answer takes. An answer
# reaches the picker already read, so the picker has handled it within the task that
# releases it; `release()` resolves in a later task, after that. A form sent is noted in
# the tab's session storage (the submit event fires as Enter's default action, before
# any navigation).
HELD_ANSWERS = """
(() => {
  document.addEventListener("submit", () => sessionStorage.setItem("submitted", "yes"), true);
  const sent = window.fetch;
  const held = { hold: false, waiting: [], watching: [] };
  window.heldAnswers = held;
  held.arrived = (asked) => new Promise((done, fail) => {
    if (held.waiting.some((answer) => answer.url.includes(asked))) return done(true);
    held.watching.push({ asked, done });
    setTimeout(() => fail(new Error(`no answer to ${asked} within 10 s`)), 10000);
  });
  held.release = (asked) => new Promise((done) => {
    const waiting = held.waiting.splice(0);
    waiting.forEach((answer) => answer.deliver());
    setTimeout(() => done(waiting.filter((answer) => answer.url.includes(asked)).length), 0);
  });
  window.fetch = (...asked) => sent(...asked)
    .then((answer) => answer.json().then((body) => ({ ok: answer.ok, json: async () => body })))
    .then((answer) => new Promise((deliver) => {
      if (!held.hold) return deliver(answer);
      const url = String(asked[0]);
      held.waiting.push({ url, deliver: () => deliver(answer) });
      held.watching.filter((watch) => url.includes(watch.asked)).forEach((watch) => watch.done(true));
    }));
})();
"""


def programme_picker_with_an_answer_on_its_way(page, enter_as):
    """The programme search showing MATH-72, one more letter typed and its question sent,
    its answer held: (the search box, its list, the MATH-72 option on screen)."""
    enter_as(page, "registrar")
    page.add_init_script(HELD_ANSWERS)
    page.goto("/record/enrolments/new?lang=ru")
    search = page.locator("#programme_q")
    suggestions = page.locator("#programme_q-suggestions")
    search.press_sequentially("mathem", delay=20)
    option = suggestions.get_by_role("option").filter(has_text="MATH-72").first
    expect(option).to_be_visible()
    page.evaluate("window.heldAnswers.hold = true")
    with page.expect_request(lambda request: "q=mathema" in request.url):
        search.press("a")  # a newer question goes out after the pause in typing
    return search, suggestions, option


def release_the_held_answer(page) -> int:
    """Wait until the newer answer (to "mathema") has arrived and is held (its request
    going out is not enough: the body comes later), then let the page have every held
    answer (an older one still on its way when holding began among them); how many of
    them answered "mathema"."""
    # A promise the page keeps, not wait_for_function: its polling evaluates the
    # predicate with eval, which the page's Content Security Policy refuses.
    page.evaluate("window.heldAnswers.arrived('q=mathema')")
    return page.evaluate("window.heldAnswers.release('q=mathema')")


def chosen_programme(page) -> str:
    return page.locator("#programme_id").evaluate("(s) => s.options[s.selectedIndex].text")


def test_an_answer_arriving_after_a_choice_does_not_open_the_list_again(page, enter_as):
    """A slow server: the list shows an earlier answer, the registrar types one more
    letter and picks at once while the newer question is still on its way; its answer,
    when it comes, must not open the list over the choice."""
    search, suggestions, option = programme_picker_with_an_answer_on_its_way(page, enter_as)

    search.press("ArrowDown")  # the registrar picks from the list on screen
    expect(option).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    expect(search).to_have_attribute("aria-expanded", "false")
    assert release_the_held_answer(page) == 1  # the newer answer comes

    expect(search).to_have_attribute("aria-expanded", "false")
    expect(suggestions).to_be_hidden()
    assert "MATH-72" in chosen_programme(page)
    assert page.evaluate("sessionStorage.getItem('submitted')") is None  # Enter only picked


def test_an_answer_arriving_between_the_highlight_and_enter_keeps_the_highlight(page, enter_as):
    """The newer answer comes after the registrar highlighted an option and before they
    press Enter: the list is drawn again with the same option highlighted, and Enter
    picks it (it neither does nothing nor sends the half-filled form)."""
    search, suggestions, option = programme_picker_with_an_answer_on_its_way(page, enter_as)

    search.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    assert release_the_held_answer(page) == 1  # the list is drawn again
    expect(option).to_have_attribute("aria-selected", "true")
    search.press("Enter")

    expect(search).to_have_attribute("aria-expanded", "false")
    expect(suggestions).to_be_hidden()
    assert "MATH-72" in chosen_programme(page)
    assert page.evaluate("sessionStorage.getItem('submitted')") is None


def test_without_javascript_the_summary_and_the_programme_search_still_work(chromium, live_site):
    context = chromium.new_context(locale="ru-RU", java_script_enabled=False, base_url=live_site[0])
    try:
        page = context.new_page()
        sign_in(page, "registrar", "ru")
        page.goto("/record/enrolments/new?lang=ru")
        page.locator("#programme_q").fill("mathem")
        page.locator("button[name=find]").click()
        # The click returns once the answer's navigation starts; wait for its text.
        expect(page.locator("body")).to_contain_text("Найдена 1 программа")
        options = page.locator("#programme_id option").all_inner_texts()
        assert len(options) == 2 and "MATH-72" in options[1]
        page.locator("#pin").fill("123")
        page.locator("form[method=post] button[type=submit]").last.click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Исправьте ошибки")
        assert summary.locator("a[href='#pin']").count() == 1
    finally:
        context.close()
