"""The satisfaction report as a hall files it (docs/skm.md "The yearly SKM report").

XLSX, in Indonesian as the report is filed: the regulation's processing sheet (one row per
respondent with U1..U9, then per element the answers' count and sum, NRR, NRR tertimbang,
the IKM with its mutu and kinerja, and the key of the elements), a sheet of every rating's
score by service, counter, clerk and day, and a sheet of the comments. CSV: the processing
sheet's respondents only, one line each, for another tool to read.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import xlsxwriter

from loket.server.domain.skm import ELEMENTS, GRADES, grade, round_ikm
from loket.server.reports.export import csv_bytes, file_name
from loket.server.reports.row import By
from loket.server.reports.satisfaction import Group, Listed, Satisfaction, Scores, Survey

Names = Mapping[str, str]
ELEMENT_IDS = [element.id for element in ELEMENTS]
TITLES = {  # the sheet of every rating: a block per key
    By.SERVICE: "Per layanan",
    By.COUNTER: "Per loket",
    By.USER: "Per petugas",
    By.DAY: "Per hari (tanggal tiket)",
}
SCORE_HEAD = ["Jumlah penilaian", "Rata-rata (1-4)", "IKM", "Mutu", "Kinerja"]
SURVEY_HEAD = ["Responden survei", "IKM survei", "Mutu survei", *ELEMENT_IDS]


def filename(report: Satisfaction, extension: str) -> str:
    """loket-SITE-FROM-TO-skm.xlsx"""
    return file_name(report.site, report.first, report.last, "skm", extension)


def _time(item: Listed) -> str:
    return item.at.strftime("%Y-%m-%d %H:%M")


def respondent_lines(report: Satisfaction, services: Names, counters: Names) -> list[list[Any]]:
    """The processing sheet's rows: number, U1..U9 (None: not answered), then its visit."""
    return [
        [
            number,
            *(item.answers.get(element) for element in ELEMENT_IDS),
            services.get(item.service, item.service),
            None if item.counter is None else counters.get(item.counter, item.counter),
            _time(item),
        ]
        for number, item in enumerate(report.respondents, 1)
    ]


def to_csv(report: Satisfaction, services: Names, counters: Names) -> bytes:
    head = ["respondent", *ELEMENT_IDS, "service", "counter", "at"]
    return csv_bytes([head, *respondent_lines(report, services, counters)])


def _ikm_cells(value: float) -> list[Any]:
    found = grade(value)
    return [float(round_ikm(value)), found.letter, found.words]


def _score_cells(scores: Scores | None) -> list[Any]:
    if scores is None:
        return [0, None, None, None, None]
    return [scores.count, round(scores.avg, 4), *_ikm_cells(scores.ikm)]


def _survey_cells(survey: Survey | None) -> list[Any]:
    if survey is None:
        return [0, None, None, *(None for _ in ELEMENT_IDS)]
    averages = [None if e.avg is None else round(e.avg, 4) for e in survey.elements]
    return [survey.respondents, *_ikm_cells(survey.ikm)[:2], *averages]


class Sheet:
    """A worksheet written line after line."""

    def __init__(self, sheet: Any, bold: Any) -> None:  # xlsxwriter's, untyped
        self.sheet, self.bold, self.row = sheet, bold, 0

    def line(self, values: Sequence[Any], strong: bool = False) -> None:
        for column, value in enumerate(values):
            if value is not None:
                if strong:
                    self.sheet.write(self.row, column, value, self.bold)
                else:
                    self.sheet.write(self.row, column, value)
        self.row += 1

    def skip(self) -> None:
        self.row += 1


def _heading(sheet: Sheet, title: str, report: Satisfaction, site_name: str) -> None:
    sheet.line([title], strong=True)
    sheet.line(["Unit pelayanan", site_name])
    sheet.line(["Periode", f"{report.first.isoformat()} s.d. {report.last.isoformat()}"])
    sheet.line(["Dasar", "PermenPANRB No. 14 Tahun 2017 (Survei Kepuasan Masyarakat)"])
    sheet.skip()


def _processing(sheet: Sheet, report: Satisfaction, services: Names, counters: Names) -> None:
    sheet.line(["No. responden", *ELEMENT_IDS, "Layanan", "Loket", "Waktu"], strong=True)
    for line in respondent_lines(report, services, counters):
        sheet.line(line)
    sheet.skip()
    survey = report.survey
    if survey is None:
        sheet.line(["Belum ada responden survei pada periode ini."])
    else:
        elements = survey.elements
        sheet.line(["Jumlah responden per unsur", *(e.count for e in elements)])
        sheet.line(["Σ nilai per unsur", *(e.total for e in elements)], strong=True)
        sheet.line(["NRR per unsur", *(_rounded(e.avg) for e in elements)], strong=True)
        sheet.line(["NRR tertimbang", *(_rounded(e.weighted) for e in elements)], strong=True)
        sheet.line(["Unsur terendah", *("▼" if e.lowest else None for e in elements)])
        ikm_value, letter, words = _ikm_cells(survey.ikm)
        sheet.skip()
        sheet.line(["IKM (Σ NRR tertimbang × 25)", ikm_value], strong=True)
        sheet.line(["Mutu pelayanan", letter], strong=True)
        sheet.line(["Kinerja unit pelayanan", words], strong=True)
        sheet.line(["Jumlah responden", survey.respondents])
    sheet.skip()
    sheet.line(["Bobot per unsur = 1 / jumlah unsur terisi (1/9 = 0,111 dengan sembilan unsur)"])
    sheet.skip()
    sheet.line(["Keterangan", "Unsur pelayanan"], strong=True)
    for element in ELEMENTS:
        sheet.line([element.id, element.name])
    sheet.skip()
    sheet.line(["Nilai interval konversi (IKM)", "Mutu", "Kinerja"], strong=True)
    for row in GRADES:
        sheet.line([f"{row.lowest} – {row.highest}", row.letter, row.words])


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _ratings(sheet: Sheet, report: Satisfaction, names: Mapping[By, Names]) -> None:
    sheet.line(["Penilaian kepuasan (satu nilai 1-4 per kunjungan; IKM = rata-rata × 25)"])
    sheet.skip()
    sheet.line(["", "", *SCORE_HEAD], strong=True)
    for label, scores in (
        ("Semua penilaian", report.ratings),
        ("Di loket (perangkat meja)", report.desk),
        ("Di ponsel pengunjung", report.phone),
    ):
        sheet.line([label, "", *_score_cells(scores)])
    for by, groups in report.groups.items():
        sheet.skip()
        sheet.line([TITLES[by]], strong=True)
        sheet.line(["Kunci", "Nama", *SCORE_HEAD, *SURVEY_HEAD], strong=True)
        for group in groups:
            sheet.line(_group_cells(group, names.get(by, {})))


def _group_cells(group: Group, names: Names) -> list[Any]:
    return [
        group.key,
        names.get(group.key),
        *_score_cells(group.ratings),
        *_survey_cells(group.survey),
    ]


def _comments(sheet: Sheet, report: Satisfaction, services: Names, counters: Names) -> None:
    sheet.line(["No.", "Waktu", "Layanan", "Loket", "Nilai (1-4)", "Komentar"], strong=True)
    for number, item in enumerate(report.comments, 1):
        counter = None if item.counter is None else counters.get(item.counter, item.counter)
        service = services.get(item.service, item.service)
        sheet.line([number, _time(item), service, counter, item.score, item.comment])


def to_xlsx(report: Satisfaction, site_name: str, services: Names, counters: Names) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    processing = Sheet(book.add_worksheet("Pengolahan SKM"), bold)
    _heading(
        processing, "Pengolahan data SKM per responden dan per unsur pelayanan", report, site_name
    )
    _processing(processing, report, services, counters)
    processing.sheet.set_column(0, 0, 28)
    ratings = Sheet(book.add_worksheet("Penilaian"), bold)
    _heading(ratings, "Penilaian kepuasan per layanan, loket, petugas dan hari", report, site_name)
    _ratings(ratings, report, {By.SERVICE: services, By.COUNTER: counters})
    ratings.sheet.set_column(0, 1, 22)
    comments = Sheet(book.add_worksheet("Komentar"), bold)
    _heading(comments, "Komentar dan saran pengunjung", report, site_name)
    _comments(comments, report, services, counters)
    comments.sheet.set_column(1, 3, 18)
    comments.sheet.set_column(5, 5, 80)
    book.close()
    return out.getvalue()
