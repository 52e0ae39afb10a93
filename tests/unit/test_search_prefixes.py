"""The word prefixes PostgreSQL searches names by (with the LIKE of a word given twice)
match exactly what the LIKE patterns of the folded name match: each query word begins a word
of the name."""
from __future__ import annotations

import random
import re

from engine.search import Search, stored_name, word_prefixes


def test_prefixes_of_each_word_once_in_order() -> None:
    assert word_prefixes(" nguyen van an") == [
        "n", "ng", "ngu", "nguy", "nguye", "nguyen", "v", "va", "van", "a", "an"]
    assert word_prefixes(" le le") == ["l", "le"]
    assert word_prefixes(None) is None


def _like(stored: str, pattern: str) -> bool:
    """`stored LIKE pattern ESCAPE '\\'`, for the patterns of Search.name_patterns."""
    regex, escaped = "", False
    for c in pattern:
        if escaped or c not in "\\%_":
            regex, escaped = regex + re.escape(c), False
        elif c == "\\":
            escaped = True
        else:
            regex += ".*" if c == "%" else "."
    return re.fullmatch(regex, stored, re.DOTALL) is not None


def test_same_matches_as_the_like_patterns() -> None:
    rng = random.Random(7)
    letters = "anguyeđvăâ %_\\"
    for _ in range(2000):  # bounded
        name = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
        query = "".join(rng.choice(letters) for _ in range(rng.randint(1, 5)))
        stored = stored_name({"name": name})
        search = Search.parse(query)
        if stored is None or search is None:
            continue
        prefixes = set(word_prefixes(stored) or [])
        # PostgreSQL: the prefixes, and the LIKE of a word given more than once.
        by_prefixes = all(word in prefixes for word in search.words) and all(
            _like(stored, p) for p in search.repeated_patterns())
        by_like = all(_like(stored, p) for p in search.name_patterns())
        assert by_prefixes == by_like, (name, query)
