"""The sandbox's non-survey sources: ORM reviews (an Imported Data Project) and tickets.

Reviews arrive one every two hours from the catalog epoch; tickets one every three hours,
and move from Open to In progress (after 6 h) and, for most, to Closed (after 1–3 days),
so ``updatedAt`` changes over time. Both are deterministic from the seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from qinbound_nb.sandbox.catalog import EPOCH, MAX_SLOTS, stable_id
from qinbound_nb.sandbox.render import json_date, write_csv
from qinbound_nb.sandbox.text import compose_comment

IDP_SOURCE_ID = "dcf04acc768f4ea5"
IDP_NAME = "Online reviews (demo)"
IDP_FIELDS = (("review_id", "string"), ("site", "string"), ("rating", "number"),
              ("title", "string"), ("body", "open-text"), ("author", "string"),
              ("location", "string"), ("created_at", "date-time"))  # fmt: skip
REVIEW_EVERY = timedelta(hours=2)
TICKET_EVERY = timedelta(hours=3)
SITES = ("Google", "Tripadvisor", "Trustpilot", "Yelp")
PLACES = (("EN", "Chicago, US"), ("DE", "Berlin, DE"), ("FR", "Lyon, FR"), ("ES", "Madrid, ES"))
TITLES = {1: "Never again", 2: "Disappointing", 3: "Okay", 4: "Good visit", 5: "Excellent!"}


@dataclass(frozen=True)
class Review:
    """One review; ``created`` is the date IDP export windows test."""

    created: datetime
    row: dict[str, Any]
    pii: frozenset[str]


@lru_cache(maxsize=65_536)
def review(seed: int, index: int) -> Review:
    """Review ``index``, built deterministically."""
    rng = random.Random(f"{seed}/review/{index}")
    created = EPOCH + index * REVIEW_EVERY + timedelta(minutes=rng.randint(-40, 40))
    rating = rng.choices((1, 2, 3, 4, 5), (0.12, 0.1, 0.18, 0.3, 0.3))[0]
    language, place = rng.choice(PLACES)
    mood = "detractor" if rating <= 2 else "passive" if rating == 3 else "promoter"
    body, pii = compose_comment(rng, language, mood, pii_rate=0.3)
    row = {
        "review_id": stable_id("rv_", seed, index, length=12),
        "site": rng.choice(SITES),
        "rating": rating,
        "title": TITLES[rating],
        "body": body,
        "author": f"{rng.choice(('Alex', 'Sam', 'Kim', 'Jo', 'Lu'))} {rng.choice('BDFKMRST')}.",
        "location": place,
        "created_at": json_date(created),
    }
    return Review(created, row, frozenset(pii))


def reviews_until(seed: int, now: datetime) -> list[Review]:
    """Reviews created at or before ``now``, oldest first."""
    slots = min(MAX_SLOTS, max(0, int((now - EPOCH) / REVIEW_EVERY) + 2))
    found = [review(seed, index) for index in range(slots)]
    return sorted((item for item in found if item.created <= now), key=lambda r: r.created)


def reviews_csv(rows: list[Review], *, last_modified: bool = False) -> Iterator[bytes]:
    """The IDP CSV export: one header row of field names, then one row per review.

    ``last_modified`` (``sortByLastModifiedDate``) adds ``lastModifiedDate``: reviews are
    never edited, so it is their creation date.
    """
    names = [name for name, _ in IDP_FIELDS]
    yield write_csv([names + ["lastModifiedDate"] * last_modified]).encode()
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        lines = [
            [str(item.row[name]) for name in names] + [json_date(item.created)] * last_modified
            for item in chunk
        ]
        yield write_csv(lines).encode()


@dataclass(frozen=True)
class Ticket:
    """One ticket and the moments its status changes."""

    created: datetime
    changes: tuple[tuple[datetime, str], ...]
    row: dict[str, Any]
    pii: frozenset[str]

    def state_at(self, now: datetime) -> tuple[datetime, str]:
        """The last change at or before ``now``: (updatedAt, status)."""
        return [change for change in self.changes if change[0] <= now][-1]


@lru_cache(maxsize=65_536)
def ticket(seed: int, index: int) -> Ticket:
    """Ticket ``index``, built deterministically."""
    rng = random.Random(f"{seed}/ticket/{index}")
    created = EPOCH + index * TICKET_EVERY + timedelta(minutes=rng.randint(-50, 50))
    changes = [(created, "Open"), (created + timedelta(hours=6), "In progress")]
    if rng.random() < 0.7:
        changes.append((created + timedelta(hours=rng.randint(24, 72)), "Closed"))
    language = rng.choice(("EN", "DE", "FR", "ES"))
    description, pii = compose_comment(rng, language, "detractor", pii_rate=0.5)
    row = {
        "ticketId": f"TKT-{index + 1:06d}",
        "createdAt": json_date(created),
        "priority": rng.choice((1, 2, 2, 3)),
        "owner": stable_id("UR_", seed, "owner", index % 4),
        "subject": rng.choice(("Late delivery", "Billing problem", "Rude staff", "App login")),
        "description": description,
        "surveyId": "SV_1NpsDemoSurvey1",
    }
    return Ticket(created, tuple(changes), row, frozenset(pii))


def tickets_json(
    seed: int, now: datetime, lower: datetime | None, upper: datetime | None
) -> Iterator[bytes]:
    """``{"tickets":[…]}`` for tickets whose ``updatedAt`` (as of ``now``) is in the window."""
    slots = min(MAX_SLOTS, max(0, int((now - EPOCH) / TICKET_EVERY) + 2))
    yield b'{"tickets":['
    first = True
    for index in range(slots):
        item = ticket(seed, index)
        if item.created > now:
            continue
        updated, status = item.state_at(now)
        if (lower and updated < lower) or (upper and updated >= upper):
            continue
        record = item.row | {"updatedAt": json_date(updated), "status": status}
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        yield (text if first else "," + text).encode()
        first = False
    yield b"]}"
