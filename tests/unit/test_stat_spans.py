"""A range of days as whole years, whole months and the days at its edges."""
from __future__ import annotations

from datetime import date, timedelta

from engine.stats.spans import Cover, cover


def days_of(c: Cover) -> list[date]:
    """Every day the cover counts, each once."""
    out: list[date] = []
    for lo, hi in c.days:
        out += [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
    for lo, hi in c.months:
        m = lo
        while m <= hi:
            nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
            out += [m + timedelta(days=i) for i in range((nxt - m).days)]
            m = nxt
    for lo, hi in c.years:
        for y in range(lo.year, hi.year + 1):
            out += [date(y, 1, 1) + timedelta(days=i)
                    for i in range((date(y + 1, 1, 1) - date(y, 1, 1)).days)]
    return sorted(out)


def test_a_year_is_one_row_and_edges_are_days() -> None:
    assert cover(date(2026, 1, 1), date(2026, 12, 31)) == Cover(
        [], [], [(date(2026, 1, 1), date(2026, 1, 1))])
    # 3 Feb 2024 … 27 Feb 2026: 27 days, March-December 2024, 2025, January 2026, 27 days.
    c = cover(date(2024, 2, 3), date(2026, 2, 27))
    assert c.days == [(date(2024, 2, 3), date(2024, 2, 29)), (date(2026, 2, 1), date(2026, 2, 27))]
    assert c.months == [(date(2024, 3, 1), date(2024, 12, 1)), (date(2026, 1, 1), date(2026, 1, 1))]
    assert c.years == [(date(2025, 1, 1), date(2025, 1, 1))]
    # Grouped by month: no years.
    assert cover(date(2025, 1, 1), date(2025, 12, 31), years=False).months == [
        (date(2025, 1, 1), date(2025, 12, 1))]
    assert cover(date(2026, 3, 5), date(2026, 3, 4)) == Cover()


def test_every_day_once() -> None:
    for start, end in ((date(2023, 12, 30), date(2026, 3, 2)), (date(1900, 1, 1),
                       date(2026, 6, 14)), (date(2026, 2, 1), date(2026, 2, 28))):
        want = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        assert days_of(cover(start, end)) == want
        assert days_of(cover(start, end, years=False)) == want
