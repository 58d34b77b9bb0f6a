"""A hall TV whose address names no site gets a page it can show, in its language: not JSON."""

from tests.inprocess.running import Loket


async def test_an_unknown_site_is_a_translated_page_naming_the_real_ones(loket: Loket) -> None:
    answer = await loket.http.get("/display/demmo?lang=ru")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "Площадка не найдена" in page
    assert "На этом сервере нет площадки «demmo»" in page
    assert 'href="/display/demo"' in page  # where the address should have led


async def test_the_unknown_site_is_quoted_back_escaped_and_cut_short(loket: Loket) -> None:
    answer = await loket.http.get("/display/" + "%3Cb%3E" + "x" * 500 + "?lang=en")
    assert answer.status_code == 404
    assert "<b>" not in answer.text and "&lt;b&gt;" + "x" * 57 + "”" in answer.text
