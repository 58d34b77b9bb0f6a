"""The hall display's names in every language it shows (server/web/multilingual.py): a
transfer (CONTRACT 6.5) points to a desk or to a service's line, so the script gets both."""

from importlib import resources

from loket.server.config.sites import parse_sites
from loket.server.web.multilingual import Labels
from loket.server.web.templating import PageTemplates


def test_the_display_script_gets_every_counter_and_service_name_per_language() -> None:
    demo = resources.files("loket.server").joinpath("demo.toml").read_text(encoding="utf-8")
    (site,) = parse_sites(demo, "demo")
    config = Labels(site, "en", PageTemplates()).config()
    assert config["langs"] == ["en", "id", "az"]  # the page's language first
    assert config["counters"]["5"] == {"en": "Counter 5", "id": "Loket 5", "az": "Masa 5"}
    assert config["services"] == {
        "A": {"en": "Electronic ID card", "id": "KTP Elektronik", "az": "Şəxsiyyət vəsiqəsi"},
        "B": {"en": "Passport", "id": "Paspor", "az": "Pasport"},
        "C": {"en": "Business licences", "id": "Perizinan Usaha", "az": "Sahibkarlıq icazələri"},
    }
