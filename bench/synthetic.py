"""Synthetic article rows for the benchmarks, and their bulk insertion."""

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from archive.models import Base
from tests.support.records import article_row

__all__ = ["BATCH", "article_row", "insert_in_batches"]

BATCH = 5000


def insert_in_batches(session: Session, model: type[Base], rows: Iterable[dict[str, Any]]) -> int:
    """Bulk-insert rows a few thousand at a time (memory stays flat); return how many."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            session.execute(insert(model), batch)
            count, batch = count + len(batch), []
    if batch:
        session.execute(insert(model), batch)
    return count + len(batch)


def median_seconds(runs: int, action: Callable[[], object]) -> float:
    """The median wall time of an action over some runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
