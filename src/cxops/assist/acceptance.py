"""How far an agent's reply strayed from the suggestion it started from, and the acceptance report.

Pure. The edit distance tells an accepted draft (0) from a touched-up one (a few characters)
from a rewrite (about the length of the reply), so a suggestion can be weighed by how much of
it the agent kept.
"""

from collections.abc import Sequence

from cxops.domain.assist import AcceptanceRow

EDIT_DISTANCE_CAP = 5000
"""Characters of each text compared when both are longer: replies are at most a few thousand
characters, and the cost, which grows with the product of the lengths, must stay bounded
whatever is posted."""


def edit_distance(a: str, b: str) -> int:
    """The Levenshtein distance: insertions, deletions and substitutions of one character each.

    Exact when neither text is longer than `EDIT_DISTANCE_CAP` characters. When both are, only
    their first `EDIT_DISTANCE_CAP` characters are compared; when just one is, it is cut to the
    cap and the characters cut count as insertions (an upper bound, over the true distance by at
    most the shorter text's length). Symmetric, and never more than the longer text's length.
    """
    if len(a) > EDIT_DISTANCE_CAP and len(b) > EDIT_DISTANCE_CAP:
        return _levenshtein(a[:EDIT_DISTANCE_CAP], b[:EDIT_DISTANCE_CAP])
    cut = max(len(a), len(b)) - EDIT_DISTANCE_CAP
    if cut > 0:
        return _levenshtein(a[:EDIT_DISTANCE_CAP], b[:EDIT_DISTANCE_CAP]) + cut
    return _levenshtein(a, b)


def _levenshtein(a: str, b: str) -> int:
    """Myers' bit-parallel algorithm (Hyyrö's formulation for the edit distance).

    It computes the same table as the textbook two-row dynamic programme, one column per
    character of the longer text, but keeps a column as two bit vectors (where the value goes
    up by one, where down) in Python integers, so a column costs a few big-integer operations
    instead of a Python loop: a 5000 by 5000 comparison takes milliseconds, not ten seconds.
    """
    # A common prefix and suffix never cost anything, and agents mostly edit a few words in the
    # middle, so trimming them first leaves little to compare.
    start = 0
    end_a, end_b = len(a), len(b)
    while start < end_a and start < end_b and a[start] == b[start]:
        start += 1
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    pattern, text = a[start:end_a], b[start:end_b]
    if len(pattern) > len(text):
        pattern, text = text, pattern
    if not pattern:
        return len(text)
    where: dict[str, int] = {}
    for i, char in enumerate(pattern):
        where[char] = where.get(char, 0) | 1 << i
    full = (1 << len(pattern)) - 1
    last = 1 << (len(pattern) - 1)
    up, down = full, 0  # vertical deltas of the current column: +1 bits, -1 bits
    distance = len(pattern)
    for char in text:
        match = where.get(char, 0)
        vertical = match | down
        horizontal = (((match & up) + up) ^ up) | match
        h_up = down | ~(horizontal | up)
        h_down = up & horizontal
        if h_up & last:
            distance += 1
        elif h_down & last:
            distance -= 1
        h_up = (h_up << 1) | 1  # row 0 of the table grows by one per column
        h_down <<= 1
        up = (h_down | ~(vertical | h_up)) & full
        down = h_up & vertical & full
    return distance


def render_report(rows: Sequence[AcceptanceRow]) -> list[dict[str, object]]:
    """The report as JSON-ready rows, in the order given, with each row's acceptance rate
    (accepted or edited, of those that got feedback) rounded to 4 places."""
    return [
        {
            "key": row.key,
            "shown": row.shown,
            "accepted": row.accepted,
            "edited": row.edited,
            "ignored": row.ignored,
            "acceptance_rate": round(row.acceptance_rate, 4),
        }
        for row in rows
    ]
