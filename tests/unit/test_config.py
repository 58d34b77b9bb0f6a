from pathlib import Path

import pytest

from loket.server.config import ConfigError, load_sites, parse_sites

GOOD = """
[[sites]]
id = "baku-1"
name = { az = "ASAN Xidmət 1", en = "ASAN Service 1" }
timezone = "Asia/Baku"
languages = ["az", "en"]

[[sites.services]]
id = "A"
name = { az = "Pasport" }

[[sites.counters]]
id = "1"
name = { az = "Masa 1" }
services = ["A"]
"""


def test_the_demo_site_matches_the_contract() -> None:
    (demo,) = load_sites(None)
    assert demo.id == "demo"
    assert demo.languages == ("id", "en", "az")
    assert [s.id for s in demo.services] == ["A", "B", "C"]
    assert [c.id for c in demo.counters] == ["1", "2", "3", "4", "5", "6"]
    for named in (demo, *demo.services, *demo.counters):
        assert set(named.name) == {"id", "en", "az"}


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(GOOD, encoding="utf-8")
    (site,) = load_sites(path)
    assert site.timezone == "Asia/Baku"
    assert site.text(site.services[0].name, "en") == "Pasport"  # falls back to the first language


@pytest.mark.parametrize(
    ("change", "place", "problem"),
    [
        (('id = "baku-1"', 'id = "Baku 1"'), "sites[0].id", "not a valid site id"),
        (
            ('timezone = "Asia/Baku"', 'timezone = "Mars/Olympus"'),
            "sites[0].timezone",
            "unknown time zone",
        ),
        (
            ('services = ["A"]', 'services = ["Z"]'),
            "sites[0].counters[0].services[0]",
            "unknown service 'Z'",
        ),
        (('languages = ["az", "en"]', "languages = []"), "sites[0].languages", "non-empty"),
        (
            ('name = { az = "Pasport" }', 'name = { az = "" }'),
            "sites[0].services[0].name.az",
            "non-empty string",
        ),
        (
            ('name = { az = "Pasport" }', 'name = { ru = "Паспорт" }'),
            "sites[0].services[0].name",
            "none of the site's languages",
        ),
        (('id = "A"', 'id = "a"'), "sites[0].services[0].id", "not a valid service id"),
    ],
)
def test_errors_name_the_file_the_place_and_the_problem(change, place, problem) -> None:
    with pytest.raises(ConfigError) as error:
        parse_sites(GOOD.replace(*change), "office.toml")
    assert error.value.source == "office.toml"
    assert error.value.place == place
    assert problem in error.value.problem
    assert str(error.value).startswith(f"office.toml: {place}: ")


def test_duplicates_and_missing_keys() -> None:
    doubled = GOOD + GOOD.split("[[sites.counters]]")[1].join(["[[sites.counters]]", ""])
    with pytest.raises(ConfigError, match=r"counters\[1\]\.id: duplicate counter id '1'"):
        parse_sites(doubled, "x.toml")
    with pytest.raises(ConfigError, match=r"sites\[0\]: missing required key 'timezone'"):
        parse_sites(GOOD.replace('timezone = "Asia/Baku"', ""), "x.toml")


def test_bad_toml_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_sites("[[sites]\nid=", "x.toml")
    with pytest.raises(ConfigError, match="cannot read it"):
        load_sites(tmp_path / "missing.toml")


def test_who_may_take_tickets_and_how_many_may_wait() -> None:
    """CONTRACT 6.7: `remote_tickets` (site, default true), `max_waiting` (service, optional)."""
    (site,) = parse_sites(GOOD, "good.toml")
    assert site.remote_tickets is True and site.services[0].max_waiting is None
    text = GOOD.replace(
        'languages = ["az", "en"]', 'languages = ["az", "en"]\nremote_tickets = false'
    )
    text = text.replace('name = { az = "Pasport" }', 'name = { az = "Pasport" }\nmax_waiting = 40')
    (site,) = parse_sites(text, "good.toml")
    assert site.remote_tickets is False and site.services[0].max_waiting == 40


def test_a_service_may_promise_a_longest_wait() -> None:
    """CONTRACT 6.3: `target_wait_min` per service, optional, in minutes."""
    (site,) = parse_sites(GOOD, "good.toml")
    assert site.services[0].target_wait_s is None
    for written, seconds in (("15", 900.0), ("7.5", 450.0)):
        text = GOOD.replace(
            'name = { az = "Pasport" }', f'name = {{ az = "Pasport" }}\ntarget_wait_min = {written}'
        )
        (site,) = parse_sites(text, "good.toml")
        assert site.services[0].target_wait_s == seconds


@pytest.mark.parametrize(
    ("where", "line", "place", "problem"),
    [
        (
            'languages = ["az", "en"]',
            'remote_tickets = "no"',
            "sites[0].remote_tickets",
            "true or false",
        ),
        (
            'languages = ["az", "en"]',
            "remote_tickets = 0",
            "sites[0].remote_tickets",
            "true or false",
        ),
        (
            'name = { az = "Pasport" }',
            "target_wait_min = 0",
            "sites[0].services[0].target_wait_min",
            "above 0",
        ),
        (
            'name = { az = "Pasport" }',
            'target_wait_min = "15"',
            "sites[0].services[0].target_wait_min",
            "number of minutes",
        ),
        (
            'name = { az = "Pasport" }',
            "target_wait_min = 1441",
            "sites[0].services[0].target_wait_min",
            "at most 1440",
        ),
        (
            'name = { az = "Pasport" }',
            "max_waiting = 0",
            "sites[0].services[0].max_waiting",
            "from 1 to",
        ),
        (
            'name = { az = "Pasport" }',
            "max_waiting = -3",
            "sites[0].services[0].max_waiting",
            "from 1",
        ),
        (
            'name = { az = "Pasport" }',
            "max_waiting = 2.5",
            "sites[0].services[0].max_waiting",
            "whole number",
        ),
        (
            'name = { az = "Pasport" }',
            "max_waiting = true",
            "sites[0].services[0].max_waiting",
            "not True",
        ),
        (
            'name = { az = "Pasport" }',
            'max_waiting = "50"',
            "sites[0].services[0].max_waiting",
            "whole",
        ),
        (
            'name = { az = "Pasport" }',
            "max_waiting = 1_000_000",
            "sites[0].services[0].max_waiting",
            "100000",
        ),
    ],
)
def test_bad_ticket_rules_are_named(where: str, line: str, place: str, problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_sites(GOOD.replace(where, f"{where}\n{line}"), "hall.toml")
    assert error.value.source == "hall.toml" and error.value.place == place
    assert problem in error.value.problem


def test_the_ticket_printers_roll() -> None:
    """`paper_mm` (site, optional): 80 mm unless the site's kiosks print on 58 mm rolls."""
    (site,) = parse_sites(GOOD, "good.toml")
    assert site.paper_mm == 80
    for width in (58, 80):
        text = GOOD.replace('timezone = "Asia/Baku"', f'timezone = "Asia/Baku"\npaper_mm = {width}')
        (site,) = parse_sites(text, "good.toml")
        assert site.paper_mm == width


@pytest.mark.parametrize("value", ["57", "110", "58.0", '"58"', "true", "0"])
def test_a_roll_other_than_80_or_58_mm_is_named(value: str) -> None:
    text = GOOD.replace('timezone = "Asia/Baku"', f'timezone = "Asia/Baku"\npaper_mm = {value}')
    with pytest.raises(ConfigError) as error:
        parse_sites(text, "hall.toml")
    assert str(error.value).startswith("hall.toml: sites[0].paper_mm: must be 80 or 58")
