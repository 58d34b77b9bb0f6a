"""Upgrade in place: fixtures recorded on a previous release, and the scenario that records
them (record.py) and that tests/integration/test_upgrade.py plays on this checkout."""
