"""The rules a new password must meet (CONTRACT 6.6), in one place for the API, the
`loket user` commands and LOKET_ADMIN_PASSWORD.

"Commonly used" is zxcvbn's judgement (its frequency lists of leaked passwords, words and
names, keyboard walks, repeats, dates): a password on its list of common passwords, or one
it scores 0 or 1 (guessed in under about a million tries), is refused.
"""

from __future__ import annotations

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 1024  # a bound on what is hashed and judged; no real password comes near
ZXCVBN_LENGTH = 72  # zxcvbn refuses to judge longer ones; their start is judged
MIN_SCORE = 2  # zxcvbn: 0 too guessable … 4 very unguessable


def password_problem(password: str, username: str) -> tuple[ErrorCode, str] | None:
    """What is wrong with `password` for the user `username`, or None."""
    if len(password) < MIN_LENGTH:
        return ErrorCode.PASSWORD_TOO_SHORT, f"A password needs at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return ErrorCode.PASSWORD_TOO_LONG, f"A password has at most {MAX_LENGTH} characters."
    name = username.lower()
    if name and len(password.lower().replace(name, "")) < MIN_LENGTH:
        return ErrorCode.WEAK_PASSWORD, (
            f"A password must not be built on the username: without it, at least {MIN_LENGTH} "
            "characters must remain."
        )
    # imported here: its dictionaries cost ~13 MB, paid only by a process that judges
    from zxcvbn import zxcvbn
    from zxcvbn.matching import RANKED_DICTIONARIES

    if password.lower() in RANKED_DICTIONARIES["passwords"]:
        return ErrorCode.WEAK_PASSWORD, "This password is on the lists of commonly used ones."
    judged = zxcvbn(password[:ZXCVBN_LENGTH], user_inputs=[username] if username else [])
    if judged["score"] < MIN_SCORE:
        hint = judged["feedback"]["warning"] or "It is too easy to guess."
        return ErrorCode.WEAK_PASSWORD, (
            f"This password is too easy to guess: {hint.rstrip('.')}. "
            "Use a few unrelated words or a longer phrase."
        )
    return None


def check_password(password: str, username: str) -> None:
    """Raise a 422 naming the rule `password` breaks."""
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(problem[1], problem[0])
