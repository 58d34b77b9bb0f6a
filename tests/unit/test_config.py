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
