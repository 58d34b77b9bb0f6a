"""UI strings that page scripts render, per page: the only place their texts live.

Each page gets its dict as `config.strings`. Every text goes through `pgettext(key, text)`,
its key being the context, so that two keys with the same English text (the plural forms
below) are still two entries for translators. Plural keys are `<key>_<CLDR category>`
(`_one`, `_few`, `_many`, `_other`); the script picks one with `Intl.PluralRules` and falls
back to `_other`. tests/unit/test_page_strings.py checks these dicts against the scripts.
"""

from __future__ import annotations

from gettext import NullTranslations

from loket.server.web.survey_strings import SURVEY_STRINGS

_AUTH = {  # auth.js; session_expired is said by the counter and admin scripts themselves
    "login_failed": "Wrong username or password.",
    "login_unavailable": "Cannot reach the server. Check the network and try again.",
    "session_expired": "Your session has ended. Please log in again.",
}
_AHEAD = {  # ticketcard.js; _few and _many are shown only in languages that have them (ru)
    "ahead_zero": "You are next",
    "ahead_one": "{n} person ahead of you",
    "ahead_few": "{n} people ahead of you",
    "ahead_many": "{n} people ahead of you",
    "ahead_other": "{n} people ahead of you",
}
_FACES = {  # faces.js: a rating's four scores, worst to best (CONTRACT 6.4)
    "face_1": "Very unsatisfied",
    "face_2": "Unsatisfied",
    "face_3": "Satisfied",
    "face_4": "Very satisfied",
}
PAGE_STRINGS: dict[str, dict[str, str]] = {
    "index": {},
    "display": {},
    "kiosk": {
        **_AHEAD,
        "returning": "Back to the start in {n} s",
        "issue_failed": "Sorry, no ticket could be issued. Please try again.",
        "unreachable": "The kiosk cannot reach the server. Please ask at the information desk.",
        "queue_full": (
            "This service takes no more tickets for now. Please ask at the information desk."
        ),
        "too_many_tickets": (
            "This kiosk is not enrolled and has issued as many tickets as allowed for now. "
            "Please ask at the information desk."
        ),
        "kiosk_only": (
            "This kiosk is not enrolled, so it cannot issue tickets. "
            "Please ask at the information desk."
        ),
        "key_revoked": "This kiosk cannot issue tickets now. Please ask at the information desk.",
        "enrolled_as": "Enrolled kiosk: {name}",
        "not_enrolled": "This kiosk is not enrolled.",
        "key_invalid": "The kiosk key is not valid (revoked?): enrol this kiosk again.",
        "key_unchecked": "Kiosk key saved; not checked yet (no connection).",
        "key_forgotten": "The kiosk key is forgotten on this kiosk.",
    },
    "ticket": {
        **_AHEAD,
        "status_waiting": "Waiting for your turn",
        "status_called": "Please go to {counter}",
        "status_recalled": "Called again: please go to {counter} now",
        "status_done": "Served. Thank you for your visit!",
        "status_no_show": (
            "Your number was called but you were not there. Please ask at the information desk."
        ),
        "status_held": "On hold at {counter}: you will be called back there. Please stay nearby.",
        "status_desk": "Please wait for {counter}.",
        "note_transferred": "You were sent on to {service}. You keep your number.",
        "note_to_counter": "You were sent on to {counter}. You keep your number.",
        "wait_range": "about {low}–{high} min",
        "wait_up_to": "up to {high} min",
        "wait_soon": "any moment now",
        "wait_unknown": "not known yet",
        "sound_enable": "Turn on sound and vibration",
        "sound_ready": "Sound and vibration are on",
        # ticketrating.js, with faces.js and survey.js
        **_FACES,
        **SURVEY_STRINGS,
        "rate_question": "How satisfied are you with our service?",
        "comment_count": "{n} / {max} characters",
        "survey_progress": "Question {n} of {total}",
        "survey_next": "Next",
        "survey_send": "Send",
        "rate_choose": "Please choose a face first.",
        "rate_sending": "Sending…",
        "rate_thanks": "Thank you! Your rating was received.",
        "rate_rated": "You rated this visit: {face}. Thank you!",
        "rate_closed": (
            "Rating is closed: a visit can be rated within 24 hours after it. "
            "Thank you all the same!"
        ),
        "rate_failed": (
            "Your rating could not be sent. Check the connection, then press Send again."
        ),
        "rate_busy": "Too many tries just now. Wait a moment, then press Send again.",
        "rate_refused": "Your rating was not taken: {message}",
    },
    "counter": {
        **_AUTH,
        "called": "Called {number}.",
        "recalled": "Called {number} again.",
        "closed_done": "{number} is done.",
        "closed_no_show": "{number} did not come.",
        "transferred": "{number} now waits for {service}.",
        "details": "{service} · called at {time}",
        "queue_empty": "Nobody is waiting.",
        "no_current": "There is no current ticket.",
        "forbidden": "You are not allowed to work at this counter.",
        "serving_for": "Served for {time}",
        "confirm_no_show": (
            "{number} did not come? Press No-show again within {n} s to close it. Esc cancels."
        ),
        "no_counters": "No counter is assigned to you. Ask an administrator.",
        "retrying": "Connection problem. Trying again…",
        "network_failed": "No connection to the server. Press the button again to retry.",
        "failed": "That did not work: {message}",
        "transferred_first": "{number} is now first in line for {service}.",
        "transferred_desk": "{number} now waits for {counter}.",
        "held": "{number} is on hold. Call them back from the list when they return.",
        "not_callable": (
            "{number} cannot be called here: it is not waiting, not on hold at this counter, "
            "and not a no-show of today."
        ),
        "type_number": "Type a ticket number, e.g. A015.",
        "line_failed": "The line could not be read. It is shown again with the next change.",
        # the counter's status (CONTRACT 6.2)
        "status_open": "Open",
        "status_paused": "On break",
        "status_closed": "Closed",
        "status_since": "since {time}",
        "now_open": "The counter is open.",
        "now_paused": "The counter is paused: nobody is called here until you call next.",
        "now_closed": "The counter is closed.",
        "close_current": "Finish or transfer the current ticket before closing the counter.",
        "choose_services": "Tick at least one service to open with.",
        # counterline.js
        "line_count_one": "{n} waiting",
        "line_count_few": "{n} waiting",
        "line_count_many": "{n} waiting",
        "line_count_other": "{n} waiting",
        "call": "Call",
        "call_back": "Call back",
        "call_ticket": "Call {number}",
        "call_back_ticket": "Call {number} back",
        "badge_desk": "Sent here",
        "badge_ahead": "Moved up",
        "badge_priority": "Priority",
        "waited": "waiting {time}",
    },
    "rate": {  # the desk's rating tablet (rate.js): for the staff who set it up
        **_AUTH,
        **_FACES,  # faces.js's (the tablet writes its words in every language: rate.html)
        "signed_in_key": "Enrolled rating tablet: {name}",
        "signed_in_staff": "Signed in as {name} (until the session ends)",
        "key_unchecked": "Enrolled rating tablet (key not checked yet: no connection)",
        "key_invalid": "The tablet's key is not valid (revoked?): enrol it again.",
        "key_other_counter": "The key {name} is not for this counter: enrol the tablet for it.",
        "not_this_counter": "This user may not work at this counter.",
        "confirm_sign_out": (
            "Sign this tablet out? It takes no ratings until it is signed in again."
        ),
    },
    "admin": {
        **_AUTH,
        "all_counters": "All counters",
        "no_counters": "None",
        "role_admin": "Administrator",
        "role_supervisor": "Supervisor",
        "role_staff": "Staff",
        "user_created": "The user {username} was created.",
        "choose_counters": "Choose the counters this user works at, or tick All counters.",
        "failed": "That did not work: {message}",
        "updated_at": "Updated at {time}",
        "unreachable": "Cannot reach the server; the numbers may be out of date.",
        "screen_ok": "Up to date",
        "screen_stale": "Behind or quiet",
        "screen_offline": "Offline",
        "no_screens": "No screen has reported yet.",
        "sound_running": "On",
        "sound_suspended": "SILENT: press a key on the TV",
        "sound_off": "Off on purpose (sound=off)",
        "sound_unsupported": "No sound on this browser",
        "page_display": "Hall display",
        "page_counter": "Counter page",
        "page_rate": "Rating tablet, counter {counter}",
        # admin_screens.js
        "screen_rename": "Rename",
        "screen_rename_label": "Rename {screen}",
        "screen_remove": "Remove",
        "screen_remove_label": "Remove {screen}",
        "screen_name_label": "Name of the screen",
        "screen_name_example": "e.g. Hall B, left of the entrance",
        "screen_named": "{screen} is now called {name}.",
        "screen_unnamed": "{screen} has no name now.",
        "screen_remove_confirm": (
            "Remove {screen} from the list? Its name is forgotten. If it is still switched "
            "on, it comes back by itself within 20 seconds."
        ),
        "screen_removed": "{screen} was removed from the list.",
        "kiosk_enrolled": (
            "The kiosk {name} is enrolled. Its key is shown only now: open this link on the "
            "kiosk (it keeps the key), or paste the key under Kiosk setup on the kiosk page."
        ),
        "desk_enrolled": (
            "The tablet {name} is enrolled as {use}. Its key is shown only now: open this link "
            "on the tablet (it keeps the key)."
        ),
        "kiosk_never_used": "not yet",
        "no_kiosks": "No kiosk is enrolled.",
        "kiosk_revoke": "Revoke",
        "kiosk_revoke_confirm": "Revoke the kiosk {name}? It can no longer issue tickets.",
        "kiosk_revoked": "The kiosk {name} is revoked.",
        "kiosk_copied": "The enrolment link is copied.",
        # admin_users.js
        "state_active": "Active",
        "state_disabled": "Disabled",
        "you": "(you)",
        "action_password": "New password",
        "action_disable": "Disable",
        "action_enable": "Enable",
        "action_delete": "Delete",
        "new_password": "New password",
        "current_password": "Your current password",
        "save": "Save",
        "cancel": "Cancel",
        "confirm_delete": "Delete the user {username}? Their sessions end at once.",
        "password_changed": "The password of {username} was changed; their sessions have ended.",
        "own_password_changed": "Your password was changed; your other sessions have ended.",
        "user_disabled": "{username} is disabled and can no longer log in.",
        "user_enabled": "{username} can log in again.",
        "user_deleted": "The user {username} was deleted.",
        "last_admin": "At least one administrator must stay enabled.",
        # admin_hall.js
        "reload_done": "The site file was taken: {changes}",
        "reload_same": "The site file was read again: nothing changed.",
        "reload_failed": "The site file was not taken: {message}",
        "ticker_saved": "Saved: the displays show it now.",
    },
    "live": {
        **_AUTH,
        "status_open": "Open",
        "status_paused": "On break",
        "status_closed": "Closed",
        "paused_for": "On break: {reason}",
        "served_today": "Served today: {n}",
        "minutes": "{n} min",
        "live": "Live",
        "reconnecting": "Reconnecting…",
        "updated_at": "Updated at {time}",
        "unreachable": "Cannot reach the server; the figures may be out of date.",
        "nobody": "No clerk",
    },
    "reports": {
        **_AUTH,
        "loading": "Loading…",
        "failed": "The report could not be read: {message}",
        "range_invalid": "Choose a first and a last day.",
        "range_reversed": "The first day comes after the last day.",
        "range_too_long": "A report covers at most 366 days.",
        "by_service": "By service",
        "by_counter": "By counter",
        "by_user": "By clerk",
        "by_hour": "By hour",
        "by_day": "By day",
        "by_weekday": "By day of the week",
        "range_one": "{day}",
        "range": "{from} – {to}",
        "generated": "(made {time})",
        "total": "Total",
        "no_data": "Nothing in this period.",
        "issued": "Tickets issued",
        "wait_avg": "Average wait",
        "within_target": "Within target",
        "goal": "Goal: {share}",
        "alt_hour": "{label}: {issued} tickets, average wait {wait}",
        "alt_served": "{label}: {served} served",
        "alt_share": "{label}: {share} within target",
        # the satisfaction section (issue 18, docs/skm.md)
        "grade_a": "Very good",
        "grade_b": "Good",
        "grade_c": "Not good enough",
        "grade_d": "Not good",
        "element_u1": "Requirements",
        "element_u2": "Procedure",
        "element_u3": "Time to complete",
        "element_u4": "Fee",
        "element_u5": "Service as published",
        "element_u6": "Staff competence",
        "element_u7": "Staff courtesy",
        "element_u8": "Complaints handling",
        "element_u9": "Facilities",
        "element_ikm": "SKM index: the nine elements",
        "score_ikm": "Satisfaction: one score per visit",
        "score_avg": "average {avg} of 4",
        "ratings_one": "{n} rating",
        "ratings_few": "{n} ratings",
        "ratings_many": "{n} ratings",
        "ratings_other": "{n} ratings",
        "respondents_one": "{n} respondent",
        "respondents_few": "{n} respondents",
        "respondents_many": "{n} respondents",
        "respondents_other": "{n} respondents",
        "ratings_split": "at the desk {desk} · on the phone {phone}",
        "no_ratings": "No ratings in this period.",
        "no_survey": "Nobody answered the survey of the nine elements in this period.",
        "alt_element": "{label}: {avg}",
        "alt_element_low": "{label}: {avg}, among the lowest",
        "comments_none": "No comments in this period.",
        "comments_more": "The newest {shown} of {total} comments: the SKM report has them all.",
        "score": "{score} of 4",
    },
}


def page_strings(page: str, translations: NullTranslations | None = None) -> dict[str, str]:
    """The page's strings, each translated as `pgettext(key, text)`."""
    pgettext = (translations or NullTranslations()).pgettext
    return {key: pgettext(key, text) for key, text in PAGE_STRINGS.get(page, {}).items()}
