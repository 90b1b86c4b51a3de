from datetime import date

import pytest

from reports.periods import Period, last_complete_period


def test_daily_label_and_previous() -> None:
    p = Period.containing("daily", date(2026, 3, 1))
    assert p.label == "2026-03-01"
    assert p.previous().label == "2026-02-28"
    assert p.seconds == 86_400
    assert p.describe() == "Sun 2026-03-01 00:00 to Mon 2026-03-02 00:00 UTC"


def test_iso_week_across_the_year_boundary() -> None:
    p = Period.containing("weekly", date(2027, 1, 2))  # a Saturday in ISO week 2026-W53
    assert (p.start, p.end, p.label) == (date(2026, 12, 28), date(2027, 1, 3), "2026-W53")
    assert p.previous().label == "2026-W52"
    assert Period.containing("weekly", date(2027, 1, 4)).label == "2027-W01"


def test_last_complete_week_needs_its_sunday() -> None:
    assert last_complete_period("weekly", date(2026, 11, 29)).label == "2026-W48"  # Sunday
    assert last_complete_period("weekly", date(2026, 11, 28)).label == "2026-W47"  # Saturday
    assert last_complete_period("daily", date(2026, 11, 28)).label == "2026-11-28"


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="report kind"):
        Period.containing("monthly", date(2026, 1, 1))  # type: ignore[arg-type]
