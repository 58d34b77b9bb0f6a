"""A report as a file (CONTRACT 6.3): CSV that Excel opens with the right characters, and
XLSX made by a library. Both have a header line, one line per row, then the total; a
row's Stats are flattened into columns (wait_avg_s, wait_p50_s, …). After the key comes
its name, for people (a service's or counter's, in the site's first language)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import xlsxwriter

from loket.server.reports.row import Report, Row

STATS = ("avg", "p50", "p90", "max")
HEADER = (
    "issued",
    "called",
    "served",
    "no_show",
    "transferred",
    *(f"wait_{name}_s" for name in STATS),
    *(f"service_{name}_s" for name in STATS),
    "within_target",
    "rating_count",
    "rating_avg",
    "rating_ikm",
)
BOM = "\ufeff"  # without it Excel reads UTF-8 as the system's code page: "SaÄŸlamlÄ±q"


Names = Mapping[str, str]


def header(report: Report) -> list[str]:
    return [report.by.value, "name", *HEADER]


def cells(row: Row, names: Names) -> list[Any]:
    """A row's values as the JSON answer has them (rounded the same); None: empty."""
    data = row.to_json()
    wait, service, rating = data["wait_s"] or {}, data["service_s"] or {}, data["rating"] or {}
    return [
        data["key"],
        names.get(row.key),
        *(data[name] for name in ("issued", "called", "served", "no_show", "transferred")),
        *(wait.get(name) for name in STATS),
        *(service.get(name) for name in STATS),
        data["within_target"],
        *(rating.get(name) for name in ("count", "avg", "ikm")),
    ]


def lines(report: Report, names: Names) -> list[list[Any]]:
    rows = [cells(row, names) for row in report.rows]
    return [header(report), *rows, cells(report.total, {})]


def to_csv(report: Report, names: Names) -> bytes:
    return csv_bytes(lines(report, names))


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Lines as CSV that Excel opens as UTF-8 (BOM); None: an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in rows:
        writer.writerow(["" if value is None else value for value in line])
    return (BOM + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report, names: Names) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(f"{report.first.isoformat()} {report.last.isoformat()}")
    bold = book.add_format({"bold": True})
    every = lines(report, names)
    for number, line in enumerate(every):
        last = number in (0, len(every) - 1)
        for column, value in enumerate(line):
            if value is None:
                continue
            if last:
                sheet.write(number, column, value, bold)
            else:
                sheet.write(number, column, value)
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 14)
    book.close()
    return out.getvalue()


def filename(report: Report, extension: str) -> str:
    """loket-SITE-FROM-TO-BY.csv"""
    return file_name(report.site, report.first, report.last, report.by.value, extension)


def file_name(site: str, first: date, last: date, what: str, extension: str) -> str:
    """loket-SITE-FROM-TO-WHAT.EXT, the site's id cut to safe letters."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in site)
    return f"loket-{safe}-{first}-{last}-{what}.{extension}"
