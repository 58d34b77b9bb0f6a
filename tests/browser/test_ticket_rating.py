"""A served visitor rates the visit on their phone (CONTRACT 6.4, issue 18), in headless
Chromium at phone sizes: the ticket page offers four faces once the ticket is done (live or
on a reload), an optional comment, then the optional survey of the nine SKM elements, and
sends it once; the rating is kept (the API says so) and a reload says thanks. Also: skipping
the survey or some of its elements, a lost network (the answers stay for a retry), a rating
made elsewhere first, the 24 hours being over, and every step in the four languages."""

import os
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.pages import Site
from tests.support.server import LoketServer

SMALL = {"width": 375, "height": 667}  # an iPhone SE
LARGE = {"width": 414, "height": 896}  # an iPhone 11
SHOTS = (
    Path(os.environ.get("LOKET_SCREENSHOTS", "")) if os.environ.get("LOKET_SCREENSHOTS") else None
)
# the questions in the order the regulation's questionnaire asks them: facilities (U9)
# before complaints (U8)
ASKED = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8"]
QUESTIONS_EN = {
    "U1": "Were the requirements (documents, forms) right for this service?",
    "U8": "How are complaints and suggestions handled here?",
    "U9": "How good are the hall's facilities (seats, toilets, access)?",
}


def phone_context(browser: Browser, size: dict[str, int]) -> BrowserContext:
    return browser.new_context(viewport=size, device_scale_factor=2, is_mobile=True, has_touch=True)


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = phone_context(browser, SMALL)
    try:
        yield context
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], f"the page is {width} px wide"


def served(site: Site, lang: str) -> dict:
    """A ticket in `lang`, called and done at counter 1."""
    ticket = site.issue("A", lang=lang)
    site.counter("call-next")
    site.counter("done")
    return ticket


def face(page: Page, word: str) -> Locator:
    """The face with this word, as a visitor sees and taps it."""
    return page.locator("#rating-faces label.face").filter(has=page.get_by_text(word, exact=True))


def answer(page: Page, text: str) -> Locator:
    return page.locator("#survey-question label.survey-answer").filter(
        has=page.get_by_text(text, exact=True)
    )


def kept(server: LoketServer, ticket: dict) -> dict | None:
    """The rating the server keeps for the ticket, as its holder's API tells it."""
    answer = httpx.get(f"{server.url}/api/v1/tickets/{ticket['id']}")
    answer.raise_for_status()
    rating: dict | None = answer.json()["rating"]
    return rating


def test_the_visitor_rates_with_a_comment_and_the_nine_elements(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = site.issue("A", lang="en")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    rating = page.locator("#rating")
    expect(page.locator("#ticket-status")).to_have_text("You are next", timeout=5000)
    expect(rating).to_be_hidden()  # nothing to rate before the service
    site.counter("call-next")
    page.locator("#call-ok").click()
    expect(rating).to_be_hidden()

    site.counter("done")  # live: the page offers the rating at once
    expect(rating).to_be_visible(timeout=2000)
    expect(page.locator("#rating-faces legend")).to_have_text(
        "How satisfied are you with our service?"
    )
    words = page.locator("#rating-faces .face-word")
    expect(words).to_have_text(["Very unsatisfied", "Unsatisfied", "Satisfied", "Very satisfied"])
    fits(page)
    shot(page, "rating-offer-en")

    page.locator("#rating-survey").click()  # no face yet: the page asks for one first
    expect(page.locator("#rating-message")).to_have_text("Please choose a face first.")
    face(page, "Satisfied").click()
    expect(page.get_by_role("radio", name="Satisfied", exact=True)).to_be_checked()
    expect(page.locator("#rating-message")).to_be_hidden()
    comment = "Quick and kind. The queue screen could be bigger."
    page.locator("#rating-comment").fill(comment)
    expect(page.locator("#rating-count")).to_have_text(f"{len(comment)} / 500 characters")
    page.locator("#rating-comment").fill("x" * 600)  # the box takes no more than the API
    expect(page.locator("#rating-count")).to_have_text("500 / 500 characters")
    page.locator("#rating-comment").fill(comment)

    page.locator("#rating-survey").click()
    chosen = {}
    for index, element in enumerate(ASKED):
        expect(page.locator("#survey-progress")).to_have_text(f"Question {index + 1} of 9")
        group = page.locator(f'#survey-question fieldset[data-element="{element}"]')
        expect(group).to_be_visible()
        if element in QUESTIONS_EN:
            expect(group.locator("legend")).to_have_text(QUESTIONS_EN[element])
        score = 1 + index % 4
        group.locator("label.survey-answer").nth(score - 1).click()
        chosen[element] = score
        if index == 1:
            shot(page, "rating-survey-en")
            fits(page)
        if element == ASKED[-1]:
            expect(page.locator("#survey-next")).to_have_text("Send")
            expect(page.locator("#survey-send-now")).to_be_hidden()
        page.locator("#survey-next").click()

    thanks = page.locator("#rating-done-text")
    expect(thanks).to_have_text("Thank you! Your rating was received.", timeout=5000)
    expect(page.locator("#rating-title")).to_be_focused()
    shot(page, "rating-thanks-en")
    rated = kept(live_server, mine)
    assert rated is not None
    assert (rated["score"], rated["comment"], rated["by"]) == (3, comment, "holder")
    assert rated["answers"] == chosen and len(chosen) == 9

    page.reload()
    expect(rating).to_be_visible()
    expect(thanks).to_have_text("You rated this visit: Satisfied. Thank you!")
    expect(page.locator("#rating-faces")).to_be_hidden()
    expect(page.locator("#rating-done .face-svg.face-3")).to_be_visible()


def test_a_reloaded_done_ticket_is_rated_by_keyboard_without_the_survey(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "id")
    context = phone_context(browser, LARGE)
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")  # done before the page was opened
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#rating")).to_be_visible(timeout=5000)
    faces = page.locator("#rating-faces input")
    faces.first.focus()  # the first face, as Tab reaches it
    for _ in range(3):  # arrow keys move along the faces to "very satisfied"
        page.keyboard.press("ArrowRight")
    expect(faces.nth(3)).to_be_checked()
    expect(faces.nth(3)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#rating-comment")).to_be_focused()
    page.keyboard.press("Enter")  # a new line in the comment, not a send
    page.keyboard.press("Tab")
    expect(page.locator("#rating-send")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#rating-done-text")).to_have_text(
        "Terima kasih! Penilaian Anda sudah kami terima.", timeout=5000
    )
    rated = kept(live_server, mine)
    assert rated is not None
    assert (rated["score"], rated["comment"], rated["answers"]) == (4, None, {})
    context.close()


def test_survey_elements_may_be_skipped_one_by_one(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "en")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    face(page, "Unsatisfied").click()
    page.locator("#rating-survey").click()
    page.locator("#survey-skip").click()  # U1 skipped
    answer(page, "Not very easy").click()  # U2: 2
    page.locator("#survey-next").click()
    answer(page, "Very fast").click()  # U3: 4, then changed by going back
    page.locator("#survey-back").click()
    expect(page.get_by_role("radio", name="Not very easy", exact=True)).to_be_checked()
    page.locator("#survey-next").click()
    expect(page.get_by_role("radio", name="Very fast", exact=True)).to_be_checked()
    page.locator("#survey-skip").click()  # U3 skipped after all: its answer is dropped
    expect(page.locator("#survey-progress")).to_have_text("Question 4 of 9")
    page.locator("#survey-send-now").click()  # the rest left unanswered
    expect(page.locator("#rating-done-text")).to_have_text(
        "Thank you! Your rating was received.", timeout=5000
    )
    rated = kept(live_server, mine)
    assert rated is not None
    assert (rated["score"], rated["comment"], rated["answers"]) == (2, None, {"U2": 2})


def test_a_lost_network_keeps_the_answers_for_another_try(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "en")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    face(page, "Very satisfied").click()
    page.locator("#rating-comment").fill("Thanks!")
    page.locator("#rating-survey").click()
    answer(page, "Exactly right").click()  # U1: 4
    phone.set_offline(True)
    page.locator("#survey-send-now").click()
    message = page.locator("#rating-message")
    expect(message).to_have_text(
        "Your rating could not be sent. Check the connection, then press Send again.",
        timeout=5000,
    )
    shot(page, "rating-offline-en")
    assert kept(live_server, mine) is None
    expect(page.get_by_role("radio", name="Exactly right", exact=True)).to_be_checked()
    phone.set_offline(False)
    page.locator("#survey-send-now").click()
    expect(page.locator("#rating-done-text")).to_have_text(
        "Thank you! Your rating was received.", timeout=5000
    )
    rated = kept(live_server, mine)
    assert rated is not None
    assert (rated["score"], rated["comment"], rated["answers"]) == (4, "Thanks!", {"U1": 4})


def test_too_many_tries_keeps_the_answers_for_another_try(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "az")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    refused = {"error": {"code": "rate_limited", "message": "Too many requests"}}
    # the server's loopback address is never limited: this one answer says 429 as it would
    page.route(
        "**/rating",
        lambda route: route.fulfill(status=429, json=refused, headers={"Retry-After": "1"}),
        times=1,
    )
    face(page, "Narazıyam").click()
    page.locator("#rating-comment").fill("Növbə uzun idi")
    page.locator("#rating-send").click()
    expect(page.locator("#rating-message")).to_have_text(
        "Bir az əvvəl çox cəhd edildi. Bir az gözləyin, sonra yenidən Göndər düyməsini basın.",
        timeout=5000,
    )
    expect(page.get_by_role("radio", name="Narazıyam", exact=True)).to_be_checked()
    expect(page.locator("#rating-comment")).to_have_value("Növbə uzun idi")
    page.locator("#rating-send").click()
    expect(page.locator("#rating-done-text")).to_have_text(
        "Təşəkkür edirik! Qiymətiniz qəbul olundu.", timeout=5000
    )
    rated = kept(live_server, mine)
    assert rated is not None and (rated["score"], rated["comment"]) == (2, "Növbə uzun idi")


def test_a_ticket_rated_meanwhile_shows_the_thanks(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "en")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    expect(page.locator("#rating")).to_be_visible(timeout=5000)
    # rated from another tab first: this page learns it only by sending
    first = httpx.post(f"{live_server.url}/api/v1/tickets/{mine['id']}/rating", json={"score": 1})
    assert first.status_code == 201
    face(page, "Very satisfied").click()
    page.locator("#rating-send").click()
    expect(page.locator("#rating-done-text")).to_have_text(
        "Thank you! Your rating was received.", timeout=5000
    )
    rated = kept(live_server, mine)
    assert rated is not None and rated["score"] == 1  # the first rating stays


def served_earlier(server: LoketServer, ticket: dict, hours: int, days: int = 0) -> None:
    """Moves the ticket's service `hours` back, and its day `days` back, in the server's own
    database (a done ticket is read from there, not kept in memory)."""
    with sqlite3.connect(server.db) as db:
        issued, finished, day = db.execute(
            "SELECT issued_at, finished_at, day FROM tickets WHERE id = ?", (ticket["id"],)
        ).fetchone()
        back = timedelta(hours=hours)
        db.execute(
            "UPDATE tickets SET issued_at = ?, finished_at = ?, day = ? WHERE id = ?",
            (
                (datetime.fromisoformat(issued) - back).isoformat(),
                (datetime.fromisoformat(finished) - back).isoformat(),
                (date.fromisoformat(day) - timedelta(days=days)).isoformat(),
                ticket["id"],
            ),
        )


def test_after_24_hours_the_page_says_rating_is_closed(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "ru")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    expect(page.locator("#rating")).to_be_visible(timeout=5000)
    served_earlier(live_server, mine, hours=25)  # the page stayed open a day
    page.locator("#rating-faces label.face").nth(2).click()
    page.locator("#rating-send").click()
    closed = (
        "Оценки уже не принимаются: визит можно оценить в течение 24 часов после него."
        " Всё равно спасибо!"
    )
    expect(page.locator("#rating-done-text")).to_have_text(closed, timeout=5000)
    expect(page.locator("#rating-form")).to_be_hidden()
    shot(page, "rating-closed-ru")
    assert kept(live_server, mine) is None

    page.reload()  # the page knows it at once
    expect(page.locator("#rating-done-text")).to_have_text(closed)
    expect(page.locator("#rating-faces")).to_be_hidden()


def test_a_ticket_served_yesterday_may_be_rated_within_the_24_hours(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = served(site, "en")
    older = served(site, "en")
    served_earlier(live_server, mine, hours=20, days=1)
    served_earlier(live_server, older, hours=25, days=1)
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    expect(page.locator("#expired-title")).to_have_text("This ticket is from an earlier day")
    expect(page.locator("#rating")).to_be_visible(timeout=5000)
    shot(page, "rating-yesterday-en")
    fits(page)
    face(page, "Very satisfied").click()
    page.locator("#rating-survey").click()
    page.locator("#survey-skip").click()  # U1
    answer(page, "Very easy").click()  # U2: 4
    page.locator("#survey-send-now").click()
    expect(page.locator("#rating-done-text")).to_have_text(
        "Thank you! Your rating was received.", timeout=5000
    )
    rated = kept(live_server, mine)
    assert rated is not None and (rated["score"], rated["answers"]) == (4, {"U2": 4})
    page.reload()
    expect(page.locator("#rating-done-text")).to_have_text(
        "You rated this visit: Very satisfied. Thank you!"
    )

    page.goto(f"{live_server.url}/t/{older['id']}")  # the 24 hours are over: no rating
    expect(page.locator("#expired-title")).to_be_visible()
    expect(page.locator("#rating")).to_have_count(0)


# the faces' words, a question, its first answer, and the thanks, in each language
IN_FOUR_LANGUAGES = {
    "id": ["Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"],
    "en": ["Very unsatisfied", "Unsatisfied", "Satisfied", "Very satisfied"],
    "az": ["Çox narazıyam", "Narazıyam", "Razıyam", "Çox razıyam"],
    "ru": ["Очень плохо", "Плохо", "Хорошо", "Отлично"],
}


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["375x667", "414x896"])
def test_every_step_in_the_four_languages_fits_the_phone(
    browser: Browser, live_server: LoketServer, size: dict[str, int]
) -> None:
    site = Site(live_server)
    for lang, words in IN_FOUR_LANGUAGES.items():
        mine = served(site, lang)
        context = phone_context(browser, size)
        page = context.new_page()
        page.goto(f"{live_server.url}/t/{mine['id']}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("#rating-faces .face-word")).to_have_text(words, timeout=5000)
        name = f"{lang}-{size['width']}"
        shot(page, f"rating-offer-{name}")
        fits(page)
        face(page, words[3]).click()
        page.locator("#rating-survey").click()
        for index in range(9):
            question = page.locator("#survey-question legend")
            expect(question).not_to_be_empty()
            assert "skm_" not in (question.text_content() or "")  # every text translated
            page.locator("#survey-question label.survey-answer").nth(3).click()
            fits(page)
            if index == 6:  # the longest answers (polite and friendly)
                shot(page, f"rating-survey-{name}")
            page.locator("#survey-next").click()
        expect(page.locator("#rating-done")).to_be_visible(timeout=5000)
        shot(page, f"rating-thanks-{name}")
        fits(page)
        rated = kept(live_server, mine)
        assert rated is not None and rated["answers"] == {e: 4 for e in ASKED}
        context.close()
