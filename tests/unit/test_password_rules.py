"""The password rules (CONTRACT 6.6; issue 14, attack 6): at least 10 characters, not built
on the username, not a commonly used or easily guessed one (zxcvbn); and normal strong
passphrases pass."""

from __future__ import annotations

import pytest

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid
from loket.server.password_rules import MAX_LENGTH, check_password, password_problem


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        # the examples
        ("12345678", "siti", ErrorCode.PASSWORD_TOO_SHORT),
        (" " * 8, "siti", ErrorCode.PASSWORD_TOO_SHORT),
        ("weak3weak3", "weak3", ErrorCode.WEAK_PASSWORD),
        ("a", "admin", ErrorCode.PASSWORD_TOO_SHORT),
        # the username, repeated, or with a little around it
        ("budi-santoso", "budi-santoso", ErrorCode.WEAK_PASSWORD),
        ("BudiBudiBudi", "budi", ErrorCode.WEAK_PASSWORD),
        ("admin2024!!", "admin", ErrorCode.WEAK_PASSWORD),
        # common or easily guessed
        ("1234567890", "siti", ErrorCode.WEAK_PASSWORD),
        ("qwertyuiop", "siti", ErrorCode.WEAK_PASSWORD),
        ("password123", "siti", ErrorCode.WEAK_PASSWORD),
        ("Password2024", "siti", ErrorCode.WEAK_PASSWORD),
        (" " * 12, "siti", ErrorCode.WEAK_PASSWORD),
        ("aaaaaaaaaaaa", "siti", ErrorCode.WEAK_PASSWORD),
        ("iloveyou123", "siti", ErrorCode.WEAK_PASSWORD),
        ("x" * (MAX_LENGTH + 1), "siti", ErrorCode.PASSWORD_TOO_LONG),
    ],
)
def test_weak_passwords_are_refused_with_the_rule(
    password: str, username: str, expected: ErrorCode
) -> None:
    problem = password_problem(password, username)
    assert problem is not None and problem[0] is expected, problem
    with pytest.raises(Invalid) as refused:
        check_password(password, username)
    assert refused.value.status == 422 and refused.value.code is expected
    assert refused.value.message == problem[1]


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("correct horse battery staple", "admin"),
        ("quiet-river-lamp", "siti"),
        ("hall-secret-42", "admin"),
        ("admin-test-pass", "admin"),  # the username in it, but enough besides
        ("Mawar merah di Loket 7", "budi"),
        ("kucing tidur siang", "siti"),
        ("Tr0ub4dor&3x", "budi"),
        ("ж" * 3 + "зелёный чай утром", "ivan"),
        ("y" * 30 + "Kx9!pQ2v" * 10, "siti"),  # over 72: zxcvbn judges the first 72
    ],
)
def test_strong_passwords_pass(password: str, username: str) -> None:
    assert password_problem(password, username) is None
    check_password(password, username)


def test_the_messages_say_which_rule() -> None:
    assert "at least 10 characters" in str(password_problem("short", "x"))
    assert "username" in str(password_problem("weak3weak3", "weak3"))
    assert "commonly used" in str(password_problem("1234567890", "x"))
    assert "too easy to guess" in str(password_problem("aaaaaaaaaaaa", "x"))
