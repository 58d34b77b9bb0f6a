"""A real hall's site for layout tests: the long names of an Indonesian public service mall
in Indonesian, English, Azerbaijani and Russian, up to 12 services with three-letter
prefixes (the widest ticket numbers) and as many counters as asked, each named after its
agency."""

from __future__ import annotations

import json

SITE_ID = "jaksel"
LANGS = ("id", "en", "az", "ru")

NAME = (
    "Mal Pelayanan Publik Kota Administrasi Jakarta Selatan",
    "Public Service Mall of the Administrative City of South Jakarta",
    "Cənubi Cakarta İnzibati Şəhərinin Dövlət Xidmətləri Mərkəzi",
    "Центр государственных услуг административного города Южная Джакарта",
)

TICKER = (
    "Selamat datang di Mal Pelayanan Publik Jakarta Selatan. Siapkan KTP elektronik dan "
    "dokumen asli Anda sebelum nomor Anda dipanggil. Layanan tidak dipungut biaya.",
    "Welcome to the South Jakarta Public Service Mall. Please have your electronic ID card "
    "and original documents ready before your number is called. All services are free.",
    "Cənubi Cakarta Dövlət Xidmətləri Mərkəzinə xoş gəlmisiniz. Nömrəniz çağırılmazdan "
    "əvvəl elektron şəxsiyyət vəsiqənizi və sənədlərin əslini hazırlayın. Xidmətlər pulsuzdur.",
    "Добро пожаловать в Центр государственных услуг Южной Джакарты. Приготовьте электронное "
    "удостоверение личности и оригиналы документов до вызова вашего номера. Услуги бесплатны.",
)

# (prefix, the agency's short name on its counters, its full name in id, en, az, ru)
SERVICES = (
    (
        "DKP",
        "Dukcapil",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Department of Population and Civil Registration",
        "Əhalinin Qeydiyyatı və Vətəndaşlıq Vəziyyəti Aktları İdarəsi",
        "Департамент народонаселения и регистрации актов гражданского состояния",
    ),
    (
        "IMI",
        "Imigrasi",
        "Kantor Imigrasi Kelas I Khusus Jakarta Selatan",
        "South Jakarta Special Class I Immigration Office",
        "Cənubi Cakarta Xüsusi I Dərəcəli Miqrasiya İdarəsi",
        "Специальное иммиграционное управление I класса Южной Джакарты",
    ),
    (
        "BPD",
        "Bapenda",
        "Badan Pendapatan Daerah Provinsi DKI Jakarta",
        "Regional Revenue Agency of the Province of Jakarta",
        "Cakarta Əyalətinin Regional Gəlirlər Agentliyi",
        "Региональное агентство по доходам провинции Джакарта",
    ),
    (
        "BPK",
        "BPJS Kesehatan",
        "Badan Penyelenggara Jaminan Sosial Kesehatan",
        "Social Security Agency for Health",
        "Sağlamlıq üzrə Sosial Təminat Agentliyi",
        "Агентство социального обеспечения в сфере здравоохранения",
    ),
    (
        "BPT",
        "BPJS Ketenagakerjaan",
        "Badan Penyelenggara Jaminan Sosial Ketenagakerjaan",
        "Social Security Agency for Employment",
        "Məşğulluq üzrə Sosial Təminat Agentliyi",
        "Агентство социального обеспечения в сфере занятости",
    ),
    (
        "PTS",
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "Investment and One-Stop Integrated Services Office",
        "İnvestisiya və Vahid Pəncərə Xidmətləri İdarəsi",
        "Управление инвестиций и комплексных услуг по принципу одного окна",
    ),
    (
        "SKC",
        "SKCK Polri",
        "Surat Keterangan Catatan Kepolisian",
        "Police Clearance Certificate",
        "Məhkumluğun olub-olmaması barədə arayış",
        "Справка о наличии или отсутствии судимости",
    ),
    (
        "BPN",
        "Pertanahan",
        "Kantor Pertanahan Kota Administrasi Jakarta Selatan",
        "Land Office of the Administrative City of South Jakarta",
        "Cənubi Cakarta İnzibati Şəhərinin Torpaq İdarəsi",
        "Земельное управление административного города Южная Джакарта",
    ),
    (
        "KPP",
        "Pajak",
        "Kantor Pelayanan Pajak Pratama Jakarta Kebayoran Baru",
        "Kebayoran Baru Primary Tax Office",
        "Kebayoran Baru İlkin Vergi İdarəsi",
        "Налоговая инспекция Кебайоран-Бару",
    ),
    (
        "SAM",
        "Samsat",
        "Sistem Administrasi Manunggal Satu Atap",
        "One-Roof Vehicle Registration Service",
        "Vahid Nəqliyyat Vasitələri Qeydiyyatı Xidməti",
        "Единая служба регистрации транспортных средств",
    ),
    (
        "KUA",
        "Kemenag",
        "Kantor Urusan Agama Kecamatan Kebayoran Baru",
        "Religious Affairs Office of Kebayoran Baru District",
        "Kebayoran Baru Rayonunun Dini İşlər İdarəsi",
        "Управление по делам религий района Кебайоран-Бару",
    ),
    (
        "PLN",
        "PLN",
        "Perusahaan Listrik Negara Unit Pelayanan Pelanggan",
        "State Electricity Company Customer Service",
        "Dövlət Elektrik Şirkətinin Müştəri Xidməti",
        "Служба по работе с клиентами государственной электрокомпании",
    ),
)

# "Loket 20 – BPJS Kesehatan" in each language
COUNTER_WORD = ("Loket", "Counter", "Masa", "Окно")


def _names(texts: tuple[str, ...]) -> str:
    pairs = zip(LANGS, texts, strict=True)
    return "{ " + ", ".join(f"{lang} = {json.dumps(text)}" for lang, text in pairs) + " }"


def real_hall_site(
    counters: int = 20, services: int = 8, rotate_seconds: int = 8, short_names: bool = False
) -> str:
    """The hall's TOML with `counters` counters calling from the first `services` services
    (at most 12) in turn, labels rotating every `rotate_seconds`; with `short_names` the
    services are named by their agency's short name ("Dukcapil") instead."""
    parts = [
        f"""
[[sites]]
id = "{SITE_ID}"
name = {_names(NAME)}
timezone = "Asia/Jakarta"
languages = {json.dumps(list(LANGS))}
ticker = {_names(TICKER)}
display = {{ labels = "rotate", rotate_seconds = {rotate_seconds} }}
"""
    ]
    for prefix, short, *full in SERVICES[:services]:
        names = (short,) * len(LANGS) if short_names else tuple(full)
        parts.append(f'[[sites.services]]\nid = "{prefix}"\nname = {_names(names)}\n')
    for n in range(1, counters + 1):
        prefix, short, *_ = SERVICES[(n - 1) % services]
        names = tuple(f"{word} {n} – {short}" for word in COUNTER_WORD)
        parts.append(
            f'[[sites.counters]]\nid = "{n}"\nname = {_names(names)}\nservices = ["{prefix}"]\n'
        )
    return "\n".join(parts)
