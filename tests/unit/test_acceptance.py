"""The edit distance between a suggestion and what the agent sent, and the acceptance report."""

import random

import pytest

from cxops.assist.acceptance import EDIT_DISTANCE_CAP, edit_distance, render_report
from cxops.domain.assist import AcceptanceRow


def textbook(a: str, b: str) -> int:
    """The two-row dynamic programme, as the reference the fast version must agree with."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("saturday", "sunday", 3),
        ("intention", "execution", 5),
        ("gumbo", "gambol", 2),
        ("abc", "abc", 0),
        ("abc", "", 3),
        ("", "", 0),
        ("a", "b", 1),
        ("ab", "ba", 2),
        ("Hi Ana, your refund is on its way.", "Hi Ana, your refund is on the way!", 4),
        ("café", "cafe", 1),
        ("日本語", "日本", 1),
    ],
)
def test_that_known_pairs_have_their_known_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_that_an_empty_text_is_as_far_as_the_other_is_long() -> None:
    assert edit_distance("", "Thanks for waiting.") == len("Thanks for waiting.")
    assert edit_distance("Thanks for waiting.", "") == len("Thanks for waiting.")


def test_that_it_agrees_with_the_textbook_algorithm_and_is_symmetric() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        a = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 15)))
        b = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 15)))
        assert edit_distance(a, b) == textbook(a, b) == edit_distance(b, a), (a, b)
    for _ in range(50):
        a = "".join(rng.choice("abcdefgh .") for _ in range(rng.randint(60, 150)))
        b = "".join(rng.choice("abcdefgh .") for _ in range(rng.randint(60, 150)))
        assert edit_distance(a, b) == textbook(a, b), (a, b)


def test_that_a_small_edit_in_a_long_reply_costs_only_the_edit() -> None:
    draft = "We are sorry about the delay. " * 150
    sent = draft[:2000] + "very " + draft[2000:-1] + "!"

    assert edit_distance(draft, sent) == 6


def test_that_texts_both_over_the_cap_are_compared_on_their_first_characters() -> None:
    head = "x" * EDIT_DISTANCE_CAP

    assert edit_distance(head + "a" * 10, head + "b" * 20) == 0
    assert edit_distance("y" + head, "z" + head) == 1


def test_that_a_single_text_over_the_cap_counts_its_cut_characters() -> None:
    long = "a" * (EDIT_DISTANCE_CAP + 300)

    assert edit_distance("", long) == len(long)
    assert edit_distance(long, "a" * 100) == len(long) - 100
    assert edit_distance("b" * 10, long) == len(long)


def test_that_the_report_rounds_the_rate_and_keeps_the_order() -> None:
    rows = [
        AcceptanceRow("where_is_my_order", shown=10, accepted=1, edited=1, ignored=1),
        AcceptanceRow("return_item", shown=4, accepted=0, edited=0, ignored=0),
    ]

    assert render_report(rows) == [
        {
            "key": "where_is_my_order",
            "shown": 10,
            "accepted": 1,
            "edited": 1,
            "ignored": 1,
            "acceptance_rate": 0.6667,
        },
        {
            "key": "return_item",
            "shown": 4,
            "accepted": 0,
            "edited": 0,
            "ignored": 0,
            "acceptance_rate": 0.0,
        },
    ]
    assert render_report([]) == []
