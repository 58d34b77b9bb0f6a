"""The desk's rating tablet, /rate/{site}/{counter} (CONTRACT 6.4), in headless Chromium: a
clerk finishes a ticket on the counter page, the tablet beside it asks that visitor, takes a
tap, thanks them and goes back to idle; its question ends on time; it survives a server
restart and a dropped link; the admin sees it on the screen list and enrols it by link.

The site speaks four languages and has a counter with a long name, in portrait (800×1280)
and landscape (1280×800). LOKET_SCREENSHOTS=DIR keeps what each screen looked like."""

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.pages import OFFLINE, log_in
from tests.browser.test_staff_pages import shot
from tests.support.server import ADMIN_PASSWORD, LoketServer, free_port

PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}
CLERK = ("dewi", "counter-one-tea")
HALL = """
[[sites]]
id = "hall"
timezone = "Asia/Jakarta"
languages = ["id", "en", "az", "ru"]
[sites.name]
id = "Mal Pelayanan Publik Kota"
en = "City Public Service Mall"
az = "Şəhər İctimai Xidmət Mərkəzi"
ru = "Городской центр госуслуг"

[[sites.services]]
id = "A"
name = { id = "KTP Elektronik", en = "ID card", az = "Şəxsiyyət vəsiqəsi", ru = "Паспорт" }

[[sites.counters]]
id = "1"
name = { id = "Loket 1", en = "Counter 1", az = "Masa 1", ru = "Окно 1" }
services = ["A"]

[[sites.counters]]
id = "12"
services = ["A"]
[sites.counters.name]
id = "Loket 12 — Dinas Kependudukan dan Pencatatan Sipil"
en = "Counter 12 — Population and Civil Registration Office"
az = "Masa 12 — Əhalinin Qeydiyyatı və Vətəndaşlıq Vəziyyəti İdarəsi"
ru = "Окно 12 — Управление регистрации населения и актов гражданского состояния"
"""
# what the visitor reads, in the page's language (the catalogs: server/locale)
WORDS = {
    "id": ("Bagaimana pelayanan kami?", "Sangat tidak puas", "Sangat puas", "Terima kasih!"),
    "en": ("How was your service?", "Very unsatisfied", "Very satisfied", "Thank you!"),
    "az": ("Xidmət necə idi?", "Çox narazıyam", "Çox razıyam", "Təşəkkür edirik!"),
    "ru": ("Как вас обслужили?", "Очень плохо", "Отлично", "Спасибо!"),
}
# Text that leaves the screen, or its face; a face, the time bar or the number below the fold.
OUT_OF_PLACE = """() => {
  const out = [];
  const seen = (el) => !el.closest("[hidden]") && el.getBoundingClientRect().width > 0;
  for (const el of document.querySelectorAll(".rate-panel *, .rate-header *")) {
    if (!seen(el) || el.closest(".sr-only")) continue;
    const box = el.getBoundingClientRect();
    const face = el.parentElement.closest(".face");
    const frame = (face || document.documentElement).getBoundingClientRect();
    if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.bottom > innerHeight + 1
        || box.top < -1) out.push(`${el.tagName}.${el.className.baseVal ?? el.className}`);
  }
  return out;
}"""


class Hall:
    """The four-language site through its API: tickets, the counter's actions as admin."""

    def __init__(self, server: LoketServer) -> None:
        self.url = server.url
        self.base = f"{server.url}/api/v1/sites/hall"
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"username": "admin", "password": ADMIN_PASSWORD},
        )
        login.raise_for_status()
        self.auth = {"Authorization": f"Bearer {login.json()['token']}"}

    def issue(self) -> dict:
        answer = httpx.post(f"{self.base}/tickets", json={"service": "A"})
        answer.raise_for_status()
        return answer.json()["ticket"]

    def serve(self, counter: str = "1") -> dict:
        """A visitor is called and served at `counter`: the ticket, done."""
        ticket = self.issue()
        for action in ("call-next", "done"):
            answer = httpx.post(f"{self.base}/counters/{counter}/{action}", headers=self.auth)
            answer.raise_for_status()
        return ticket

    def rating(self, ticket: dict) -> dict | None:
        """The rating kept for a ticket, as its holder's page reads it."""
        answer = httpx.get(f"{self.url}/api/v1/tickets/{ticket['id']}")
        answer.raise_for_status()
        rating: dict | None = answer.json()["rating"]
        return rating

    def add_clerk(self, counter: str = "1") -> None:
        username, password = CLERK
        body = {"username": username, "password": password, "role": "staff"}
        answer = httpx.post(
            f"{self.url}/api/v1/users",
            headers=self.auth,
            json={**body, "counters": [f"hall/{counter}"]},
        )
        answer.raise_for_status()

    def displays(self) -> list[dict]:
        answer = httpx.get(f"{self.base}/displays", headers=self.auth)
        answer.raise_for_status()
        displays: list[dict] = answer.json()["displays"]
        return displays


def hall_server(workdir: Path, port: int = 0) -> LoketServer:
    config = workdir / "hall.toml"
    config.write_text(HALL, encoding="utf-8")
    return LoketServer(workdir, "--config", str(config), port=port)


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[LoketServer]:
    with hall_server(tmp_path).running() as server:
        yield server


class Tablet:
    """The rating tablet in its own browser context (its own storage and cookies)."""

    def __init__(self, context: BrowserContext, url: str) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.page.goto(url)
        self.app = self.page.locator("#rate-app")

    def sign_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
        log_in(self.page, username, password)
        self.expect_state("idle")
        self.expect_online()

    def expect_state(self, state: str, timeout: float = 5000) -> None:
        expect(self.app).to_be_visible(timeout=timeout)
        expect(self.app).to_have_attribute("data-state", state, timeout=timeout)

    def expect_online(self) -> None:
        expect(self.page.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=15000)

    def face(self, score: int):  # noqa: ANN201 - a Playwright Locator
        return self.page.locator(f'.face[data-score="{score}"]')


def open_tablet(browser: Browser, server: LoketServer, path: str, viewport: dict) -> Tablet:
    return Tablet(browser.new_context(viewport=viewport), f"{server.url}{path}")


def test_a_clerk_finishes_a_ticket_and_the_tablet_beside_takes_its_rating(
    browser: Browser, hall: LoketServer
) -> None:
    site = Hall(hall)
    site.add_clerk("1")
    tablet = open_tablet(browser, hall, "/rate/hall/1?lang=en", PORTRAIT)
    expect(tablet.page.locator("#login-form")).to_be_visible()  # nobody signed it in yet
    tablet.sign_in(*CLERK)
    expect(tablet.page.locator("#rate-idle")).to_contain_text("Welcome")
    expect(tablet.page.locator(".rate-counter")).to_contain_text("Counter 1")

    ticket = site.issue()
    clerk = browser.new_page(viewport={"width": 1280, "height": 720})
    clerk.goto(f"{hall.url}/counter/hall/1?lang=en")
    log_in(clerk, *CLERK)
    clerk.locator("#call-next").click()
    expect(clerk.locator("#current-ticket")).to_have_text(ticket["number"])
    tablet.expect_state("idle")  # called, not yet served: nobody is asked
    clerk.locator("#done").click()

    tablet.expect_state("ask")
    expect(tablet.page.locator("#rate-number")).to_have_text(ticket["number"])
    expect(tablet.page.locator("#rate-ask")).to_contain_text("How was your service?")
    with tablet.page.expect_response(lambda r: r.url.endswith("/counters/1/rating")) as sent:
        tablet.face(4).click()
    assert sent.value.status == 201
    tablet.expect_state("thanks")
    expect(tablet.page.locator("#rate-thanks")).to_contain_text("Thank you!")
    rating = site.rating(ticket)
    assert rating is not None
    assert (rating["score"], rating["by"], rating["counter"]) == (4, "desk", "1")
    tablet.expect_state("idle", timeout=8000)  # back to the welcome by itself

    # the next visitor, served by API: a tap on another face, kept for that ticket alone
    second = site.serve("1")
    tablet.expect_state("ask")
    expect(tablet.page.locator("#rate-number")).to_have_text(second["number"])
    tablet.face(2).click()
    tablet.expect_state("thanks")
    assert site.rating(second)["score"] == 2  # type: ignore[index]
    assert site.rating(ticket)["score"] == 4  # type: ignore[index]
    tablet.context.close()


def test_a_newer_done_replaces_the_question_and_a_ticket_rated_on_the_phone_is_thanked(
    browser: Browser, hall: LoketServer
) -> None:
    site = Hall(hall)
    tablet = open_tablet(browser, hall, "/rate/hall/1?lang=en", LANDSCAPE)
    tablet.sign_in()
    first = site.serve("1")
    tablet.expect_state("ask")
    expect(tablet.page.locator("#rate-number")).to_have_text(first["number"])
    site.serve("12")  # another desk's visitor: not this tablet's question
    tablet.page.wait_for_timeout(700)
    expect(tablet.page.locator("#rate-number")).to_have_text(first["number"])
    second = site.serve("1")
    expect(tablet.page.locator("#rate-number")).to_have_text(second["number"])

    # the visitor rated on the phone meanwhile: the tap is refused (already_rated), but
    # their opinion is in, so they are thanked as for a tap kept; the phone's rating stays
    answer = httpx.post(f"{hall.url}/api/v1/tickets/{second['id']}/rating", json={"score": 3})
    assert answer.status_code == 201
    tablet.face(1).click()
    tablet.expect_state("thanks")
    tablet.expect_state("idle", timeout=8000)
    assert site.rating(second)["score"] == 3  # type: ignore[index]
    assert site.rating(first) is None
    tablet.context.close()


def test_the_question_ends_when_its_time_is_up(browser: Browser, hall: LoketServer) -> None:
    site = Hall(hall)
    tablet = open_tablet(browser, hall, "/rate/hall/1?lang=en&seconds=5", PORTRAIT)
    tablet.sign_in()
    ticket = site.serve("1")
    tablet.expect_state("ask")
    tablet.page.wait_for_timeout(3000)
    tablet.expect_state("ask", timeout=100)  # still asking after 3 s
    tablet.expect_state("idle", timeout=4000)  # and no longer after 5
    assert tablet.face(3).is_hidden()
    assert site.rating(ticket) is None

    # a visitor served while the link was down, longer ago than that: gone, not asked
    tablet.context.set_offline(True)
    tablet.page.evaluate("window.loketSocket.lost()")
    expect(tablet.page.locator("#conn-status")).to_have_class(OFFLINE, timeout=5000)
    site.serve("1")
    tablet.page.wait_for_timeout(5500)
    tablet.context.set_offline(False)
    tablet.expect_online()
    tablet.page.wait_for_timeout(1000)  # the replay has come
    tablet.expect_state("idle", timeout=100)
    tablet.context.close()


def test_a_rating_sent_while_the_network_is_down_arrives_once_it_is_back(
    browser: Browser, hall: LoketServer
) -> None:
    site = Hall(hall)
    tablet = open_tablet(browser, hall, "/rate/hall/1?lang=en", PORTRAIT)
    tablet.sign_in()
    ticket = site.serve("1")
    tablet.expect_state("ask")
    tablet.context.set_offline(True)
    tablet.face(3).click()
    tablet.expect_state("thanks")  # the visitor has done their part
    assert site.rating(ticket) is None
    tablet.context.set_offline(False)
    tablet.page.wait_for_function(
        "() => document.querySelector('#rate-app').dataset.state === 'idle'", timeout=8000
    )
    for _ in range(40):  # sent again within a few seconds
        if site.rating(ticket) is not None:
            break
        tablet.page.wait_for_timeout(250)
    assert site.rating(ticket)["score"] == 3  # type: ignore[index]
    tablet.context.close()


def test_the_tablet_comes_back_after_a_restart_and_a_dropped_link(
    browser: Browser, tmp_path: Path
) -> None:
    server = hall_server(tmp_path, port=free_port()).start()
    try:
        tablet = open_tablet(browser, server, "/rate/hall/1?lang=en", LANDSCAPE)
        tablet.sign_in()
        tablet.page.evaluate("window.loketMarker = 'the same page'")
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(15) == 0
        expect(tablet.page.locator("#conn-status")).to_have_class(OFFLINE, timeout=5000)

        server.start()
        tablet.expect_online()
        site = Hall(server)
        ticket = site.serve("1")
        tablet.expect_state("ask")
        expect(tablet.page.locator("#rate-number")).to_have_text(ticket["number"])
        tablet.face(4).click()
        tablet.expect_state("thanks")
        assert site.rating(ticket)["score"] == 4  # type: ignore[index]
        tablet.expect_state("idle", timeout=8000)

        # the link drops; a visitor is served meanwhile: the replay asks them on reconnecting
        tablet.context.set_offline(True)
        tablet.page.evaluate("window.loketSocket.lost()")
        expect(tablet.page.locator("#conn-status")).to_have_class(OFFLINE, timeout=5000)
        missed = site.serve("1")
        tablet.context.set_offline(False)
        tablet.expect_online()
        tablet.expect_state("ask")
        expect(tablet.page.locator("#rate-number")).to_have_text(missed["number"])
        assert tablet.page.evaluate("window.loketMarker") == "the same page"
        tablet.context.close()
    finally:
        server.stop()


def test_the_tablet_is_listed_on_the_admins_screens(browser: Browser, hall: LoketServer) -> None:
    site = Hall(hall)
    tablet = open_tablet(browser, hall, "/rate/hall/12?lang=en", PORTRAIT)
    tablet.sign_in()
    tablets = [d for d in site.displays() if d["page"] == "rate"]
    assert [(d["counter"], d["connected"]) for d in tablets] == [("12", True)]

    admin = browser.new_page(viewport={"width": 1366, "height": 900})
    admin.goto(f"{hall.url}/admin?lang=en")
    log_in(admin)
    row = admin.locator(f'[data-site="hall"] tr[data-screen="{tablets[0]["id"]}"]')
    expect(row.locator(".screen-title")).to_have_text(
        f"Rating tablet, counter 12 · {tablets[0]['id'][:8]}", timeout=10000
    )
    expect(row).to_contain_text("Up to date")
    tablet.context.close()


def test_the_admin_enrols_a_desk_tablet_which_then_rates_without_a_login(
    browser: Browser, hall: LoketServer
) -> None:
    site = Hall(hall)
    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(f"{hall.url}/admin?lang=en")
    log_in(admin)
    section = admin.locator('[data-kiosk-site="hall"]')
    section.locator('input[name="name"]').fill("Desk 12")
    section.locator('select[name="counter"]').select_option(
        label="Rating tablet at Counter 12 — Population and Civil Registration Office"
    )
    section.locator('button[type="submit"]').click()
    link = section.locator("[data-kiosk-link]")
    expect(link).to_be_visible()
    expect(section.locator("[data-kiosk-new-text]")).to_contain_text("Desk 12 is enrolled as")
    enrolment = link.get_attribute("href")
    assert enrolment is not None and f"{hall.url}/rate/hall/12#key=" in enrolment
    row = section.locator("[data-kiosk-list] tr", has_text="Desk 12")
    expect(row).to_contain_text("Rating tablet at Counter 12")
    admin.close()

    tablet = open_tablet(browser, hall, "/rate/hall/12#" + enrolment.split("#", 1)[1], PORTRAIT)
    tablet.expect_state("idle")  # no login asked
    assert "key" not in tablet.page.url  # gone from the address bar
    tablet.page.locator("#rate-staff-toggle").click()
    expect(tablet.page.locator("#rate-signed-in")).to_have_text("Enrolled rating tablet: Desk 12")
    tablet.expect_online()
    ticket = site.serve("12")
    tablet.expect_state("ask")
    tablet.face(4).click()
    tablet.expect_state("thanks")
    assert site.rating(ticket)["by"] == "desk"  # type: ignore[index]
    tablet.page.reload()
    tablet.expect_state("idle")  # the key is kept across reloads
    tablet.expect_online()

    # revoked (a lost tablet): its next tap is refused, and staff see why
    (desk,) = httpx.get(f"{site.base}/kiosks", headers=site.auth).json()["kiosks"]
    httpx.delete(f"{site.base}/kiosks/{desk['id']}", headers=site.auth).raise_for_status()
    site.serve("12")
    tablet.expect_state("ask")
    tablet.face(4).click()
    expect(tablet.page.locator("#rate-setup-status")).to_have_text(
        "The tablet's key is not valid (revoked?): enrol it again."
    )
    expect(tablet.app).to_be_hidden()
    tablet.context.close()


@pytest.mark.parametrize("lang", ["id", "en", "az", "ru"])
def test_the_tablet_speaks_each_language_in_portrait_and_landscape(
    browser: Browser, hall: LoketServer, lang: str
) -> None:
    site = Hall(hall)
    question, worst, best, thanks = WORDS[lang]
    for name, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        tablet = open_tablet(browser, hall, f"/rate/hall/12?lang={lang}", viewport)
        tablet.sign_in()
        assert tablet.page.evaluate("document.documentElement.lang") == lang
        tablet.page.wait_for_timeout(600)  # its words have faded in
        assert tablet.page.evaluate(OUT_OF_PLACE) == []
        shot(tablet.page, f"rate-{lang}-{name}-idle")
        site.serve("12")
        tablet.expect_state("ask")
        # the page's own language first; the others turn in after it
        expect(tablet.page.locator(f'#rate-ask [lang="{lang}"]').first).to_have_text(question)
        expect(tablet.face(1).locator(f'[lang="{lang}"]')).to_have_text(worst)
        expect(tablet.face(4).locator(f'[lang="{lang}"]')).to_have_text(best)
        others = tablet.face(4).locator("[lang]").evaluate_all("s => s.map((e) => e.lang)")
        assert sorted(others) == ["az", "en", "id", "ru"]
        tablet.page.wait_for_timeout(600)  # the bar has begun to run
        assert tablet.page.evaluate(OUT_OF_PLACE) == []
        shot(tablet.page, f"rate-{lang}-{name}-ask")
        tablet.face(3).click()
        tablet.expect_state("thanks")
        expect(tablet.page.locator(f'#rate-thanks [lang="{lang}"]').first).to_have_text(thanks)
        tablet.page.wait_for_timeout(600)  # its words have faded in
        assert tablet.page.evaluate(OUT_OF_PLACE) == []
        shot(tablet.page, f"rate-{lang}-{name}-thanks")
        tablet.context.close()
