"""The pages of CONTRACT section 5: language choice, links, refusals."""

import re

import httpx
import pytest


def html_lang(page: httpx.Response) -> str:
    match = re.search(r'<html[^>]*\blang="([^"]+)"', page.text)
    assert match, page.text[:200]
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/display/demo", "/kiosk/demo", "/counter/demo/1", "/admin"])
def test_pages_speak_the_chosen_language(http: httpx.Client, path: str) -> None:
    assert html_lang(http.get(path)) == "id"  # the site's first language
    assert html_lang(http.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert html_lang(http.get(f"{path}?lang=az", headers={"Accept-Language": "en"})) == "az"
    assert html_lang(http.get(f"{path}?lang=ru")) == "ru"


def test_the_index_links_every_page_of_every_site(http: httpx.Client) -> None:
    page = http.get("/").text
    for link in ["/display/demo", "/kiosk/demo", "/admin"] + [
        f"/counter/demo/{n}" for n in range(1, 7)
    ]:
        assert f'href="{link}"' in page


def test_the_visitor_page_of_a_ticket(http: httpx.Client) -> None:
    ticket = http.post("/api/v1/sites/demo/tickets", json={"service": "B"}).json()["ticket"]
    page = http.get(f"/t/{ticket['id']}")
    assert page.status_code == 200 and ticket["number"] in page.text
    assert http.get("/t/unknown-ticket").status_code == 404


def test_unknown_sites_and_counters_are_404(http: httpx.Client) -> None:
    assert http.get("/display/nowhere").status_code == 404
    assert http.get("/kiosk/nowhere").status_code == 404
    assert http.get("/counter/demo/99").status_code == 404


def test_assets_are_served_locally(http: httpx.Client) -> None:
    for path in ["/display/demo", "/kiosk/demo", "/counter/demo/1", "/admin", "/"]:
        page = http.get(path).text
        assert "http://" not in page.replace(str(http.base_url).rstrip("/"), "")
        assert "https://" not in page
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
            assert http.get(asset).status_code == 200, asset
