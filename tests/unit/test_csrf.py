from typing import Any

import pytest

from cxops.domain.ids import UserId
from cxops.web.csrf import new_token, token_matches
from cxops.web.session import begin_for_key, begin_for_user, csrf_token, end


def test_that_only_the_same_token_matches() -> None:
    token = new_token()
    assert token_matches(token, token)
    assert not token_matches(token, new_token())
    assert not token_matches(token, token[:-1])


@pytest.mark.parametrize(("expected", "given"), [(None, "t"), ("t", None), ("", ""), (None, None)])
def test_that_a_missing_token_never_matches(expected: str | None, given: str | None) -> None:
    assert not token_matches(expected, given)


def test_that_a_non_ascii_token_is_refused_not_an_error() -> None:
    assert not token_matches(new_token(), "tökén")


def test_that_tokens_are_unguessable() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)


def test_that_a_session_keeps_its_token_until_sign_in_replaces_it() -> None:
    session: dict[str, Any] = {}
    anonymous = csrf_token(session)
    assert csrf_token(session) == anonymous

    begin_for_user(session, UserId("usr_1"))
    signed_in = csrf_token(session)
    assert signed_in != anonymous

    begin_for_key(session, "abc123")
    assert csrf_token(session) != signed_in


def test_that_signing_out_forgets_the_user_and_the_token() -> None:
    session: dict[str, Any] = {}
    begin_for_user(session, UserId("usr_1"))
    token = csrf_token(session)
    end(session)
    assert "usr_1" not in session.values()
    assert csrf_token(session) != token
