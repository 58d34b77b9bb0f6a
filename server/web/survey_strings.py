"""The phone's optional SKM survey (docs/skm.md): one question per element U1..U9 of
PermenPANRB 14/2017 and its four answers, `skm_uN_1` (score 1) to `skm_uN_4` (score 4).

Kept like server/web/strings.py (babel.cfg extracts this file the same way: each entry is
`pgettext(key, text)`). No page shows them yet: the ticket page takes them
(`"ticket": {..., **SURVEY_STRINGS}`) together with the ticket.js code that asks them, since
tests/unit/test_page_strings.py wants every key of a page used by its scripts. The Indonesian
catalog uses the regulation's own wording of its sample questionnaire, shortened a little.
"""

from __future__ import annotations

from collections.abc import Mapping

SURVEY_STRINGS: Mapping[str, str] = {
    "skm_u1": "Were the requirements (documents, forms) right for this service?",
    "skm_u1_1": "Not right",
    "skm_u1_2": "Not quite right",
    "skm_u1_3": "Right",
    "skm_u1_4": "Exactly right",
    "skm_u2": "How easy was the procedure?",
    "skm_u2_1": "Not easy",
    "skm_u2_2": "Not very easy",
    "skm_u2_3": "Easy",
    "skm_u2_4": "Very easy",
    "skm_u3": "How fast were you served?",
    "skm_u3_1": "Not fast",
    "skm_u3_2": "Not very fast",
    "skm_u3_3": "Fast",
    "skm_u3_4": "Very fast",
    "skm_u4": "How fair was the fee for this service?",
    "skm_u4_1": "Very expensive",
    "skm_u4_2": "Rather expensive",
    "skm_u4_3": "Cheap",
    "skm_u4_4": "Free",
    "skm_u5": "Did what you received match the published service standard?",
    "skm_u5_1": "Did not match",
    "skm_u5_2": "Partly matched",
    "skm_u5_3": "Matched",
    "skm_u5_4": "Matched fully",
    "skm_u6": "How competent was the staff who served you?",
    "skm_u6_1": "Not competent",
    "skm_u6_2": "Not very competent",
    "skm_u6_3": "Competent",
    "skm_u6_4": "Very competent",
    "skm_u7": "How polite and friendly was the staff?",
    "skm_u7_1": "Not polite or friendly",
    "skm_u7_2": "Not very polite or friendly",
    "skm_u7_3": "Polite and friendly",
    "skm_u7_4": "Very polite and friendly",
    "skm_u8": "How are complaints and suggestions handled here?",
    "skm_u8_1": "There is no way to complain",
    "skm_u8_2": "There is one, but it does not work",
    "skm_u8_3": "It works, but not well",
    "skm_u8_4": "They are handled well",
    "skm_u9": "How good are the hall's facilities (seats, toilets, access)?",
    "skm_u9_1": "Poor",
    "skm_u9_2": "Fair",
    "skm_u9_3": "Good",
    "skm_u9_4": "Very good",
}
