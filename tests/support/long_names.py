"""A kiosk's hardest case: a site with up to 12 services whose names are as long as real
agencies' ("Dinas Kependudukan dan Pencatatan Sipil", "Главное управление по вопросам
миграции"), in Indonesian, English, Azerbaijani and Russian: its TOML (CONTRACT section 2)."""

from __future__ import annotations

import json

# (id, en, az, ru) per service; its letter is its place in the list (A, B, ...)
SERVICES = [
    (
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Department of Population and Civil Registration",
        "Əhalinin Qeydiyyatı və Vətəndaşlıq Vəziyyəti Aktlarının Qeydiyyatı İdarəsi",
        "Управление записи актов гражданского состояния и регистрации населения",
    ),
    (
        "Direktorat Jenderal Imigrasi Kementerian Hukum",
        "Directorate General of Immigration",
        "Dövlət Miqrasiya Xidmətinin Baş İdarəsi",
        "Главное управление по вопросам миграции",
    ),
    (
        "Badan Penyelenggara Jaminan Sosial Kesehatan",
        "Social Security Agency for Health Insurance",
        "İcbari Tibbi Sığorta üzrə Dövlət Agentliyi",
        "Фонд обязательного медицинского страхования",
    ),
    (
        "Badan Penyelenggara Jaminan Sosial Ketenagakerjaan",
        "Social Security Agency for Employment",
        "Dövlət Sosial Müdafiə Fondunun Məşğulluq Şöbəsi",
        "Фонд социального страхования занятости населения",
    ),
    (
        "Kantor Pelayanan Pajak Pratama",
        "Primary Tax Service Office",
        "Vergi Xidmətinin Ərazi Vergilər İdarəsi",
        "Межрайонная инспекция Федеральной налоговой службы",
    ),
    (
        "Badan Pertanahan Nasional",
        "National Land Agency",
        "Daşınmaz Əmlak Dövlət Reyestri Xidməti",
        "Служба государственной регистрации недвижимости",
    ),
    (
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "Investment and One-Stop Integrated Services Office",
        "İnvestisiya və Vahid Pəncərə İnteqrasiya Olunmuş Xidmətlər İdarəsi",
        "Департамент инвестиций и предоставления услуг по принципу одного окна",
    ),
    (
        "Kepolisian Resor Satuan Lalu Lintas",
        "Police Traffic Unit (Driving Licences)",
        "Dövlət Yol Polisi İdarəsinin Sürücülük Vəsiqələri Şöbəsi",
        "Отдел водительских удостоверений Госавтоинспекции",
    ),
    (
        "Perusahaan Listrik Negara",
        "State Electricity Company",
        "Azərişıq Açıq Səhmdar Cəmiyyətinin Müştəri Xidmətləri",
        "Государственная электроэнергетическая компания",
    ),
    (
        "Perusahaan Daerah Air Minum",
        "Regional Drinking Water Company",
        "Azərsu Açıq Səhmdar Cəmiyyətinin Abunəçi Xidmətləri",
        "Муниципальное предприятие водоснабжения",
    ),
    (
        "Dinas Perhubungan Pengujian Kendaraan Bermotor",
        "Transport Office: Vehicle Roadworthiness Testing",
        "Nəqliyyat Vasitələrinin Texniki Baxışı Mərkəzi",
        "Центр технического осмотра транспортных средств",
    ),
    (
        "Kantor Urusan Agama Kecamatan",
        "District Religious Affairs Office",
        "Dini Qurumlarla İş üzrə Rayon Nümayəndəliyi",
        "Районное управление по делам религиозных организаций",
    ),
]

SITE_NAME = (
    "Mal Pelayanan Publik Kota Administrasi Jakarta Selatan",
    "South Jakarta Public Service Mall",
    "Cənubi Cakarta İnzibati Şəhərinin Dövlət Xidmətləri Mərkəzi",
    "Центр государственных услуг административного города Южная Джакарта",
)
LANGUAGES = ("id", "en", "az", "ru")


def _names(names: tuple[str, ...]) -> str:
    pairs = ", ".join(f'{lang} = "{name}"' for lang, name in zip(LANGUAGES, names, strict=True))
    return "{ " + pairs + " }"


def _counter(number: int, services: list[str]) -> str:
    names = {"id": f"Loket {number}", "en": f"Counter {number}", "az": f"Kassa {number}"}
    names["ru"] = f"Окно {number}"
    return (
        f'\n[[sites.counters]]\nid = "{number}"\n'
        f"name = {_names(tuple(names.values()))}\nservices = {json.dumps(services)}\n"
    )


def long_names_site(site_id: str, services: int = 12) -> str:
    """The site with its first `services` (1 to 12) services, lettered A, B, ...; one counter
    per service (Loket N) and one more that serves them all."""
    letters = [chr(ord("A") + i) for i in range(services)]
    parts = [
        f'\n[[sites]]\nid = "{site_id}"\nname = {_names(SITE_NAME)}\n'
        f'timezone = "Asia/Jakarta"\nlanguages = {json.dumps(list(LANGUAGES))}\n'
    ]
    for letter, names in zip(letters, SERVICES, strict=False):
        parts.append(f'\n[[sites.services]]\nid = "{letter}"\nname = {_names(names)}\n')
    for number, letter in enumerate(letters, start=1):
        parts.append(_counter(number, [letter]))
    parts.append(_counter(services + 1, letters))
    return "".join(parts)
