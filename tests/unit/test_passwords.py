import pytest
from argon2 import PasswordHasher

from cxops.domain.errors import InvalidInputError
from cxops.governance.passwords import MIN_LENGTH, hash_password, rehashed, verify_password

PASSWORD = "correct horse battery staple"


def test_that_a_hash_verifies_its_password_and_no_other() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD.upper())


def test_that_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$m=1,t=1,p=1$x$y"])
def test_that_a_missing_or_damaged_hash_matches_nothing(stored: str | None) -> None:
    assert not verify_password(stored, PASSWORD)


def test_that_a_short_password_is_refused_saying_how_long_it_must_be() -> None:
    with pytest.raises(InvalidInputError, match=f"at least {MIN_LENGTH} characters"):
        hash_password("x" * (MIN_LENGTH - 1))


def test_that_a_hash_made_with_weaker_parameters_is_replaced_and_a_current_one_kept() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    fresh = rehashed(weak, PASSWORD)
    assert fresh is not None
    assert verify_password(fresh, PASSWORD)
    assert rehashed(fresh, PASSWORD) is None
