"""The sandbox's demo surveys: their definitions, and responses that arrive over time.

Response ``i`` of a survey lands at ``EPOCH + i × interval`` (± 40 % jitter), derived only
from the seed, the survey id and ``i``, so any "now" sees a consistent history. About 5 %
are abandoned partials: an ``FS_`` session (visible only to in-progress exports) until a
week after the last activity, then a closed partial with an ``R_`` id and ``finished`` 0.
About 4 % are modified a few days after they are recorded (``customer_tier`` changes).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from qinbound_nb.sandbox.recipients import recipient_values
from qinbound_nb.sandbox.text import compose_comment

EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
PARTIAL_CLOSE = timedelta(days=7)
MAX_SLOTS = 50_000
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SCALE = {"1": "Very dissatisfied", "2": "Dissatisfied", "3": "Neutral", "4": "Satisfied",
         "5": "Very satisfied"}  # fmt: skip
NPS_GROUPS = {1: "Detractor", 2: "Passive", 3: "Promoter"}
MAX_CACHED = 500_000


def stable_id(prefix: str, *parts: object, length: int = 15) -> str:
    """A deterministic Qualtrics-style id (``R_``, ``FS_``, ``ES_``…) from ``parts``."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return prefix + "".join(chars)


def stable_uuid(*parts: object) -> str:
    """A deterministic UUID-shaped string."""
    hexed = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


@dataclass(frozen=True)
class QuestionDef:
    """A question as the sandbox models it; ``kind`` picks how answers are made."""

    qid: str
    kind: str  # nps, text, multi, single, matrix
    text: str
    tag: str
    choices: dict[str, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyDef:
    """A demo survey: questions, embedded data, languages and arrival interval."""

    survey_id: str
    name: str
    questions: tuple[QuestionDef, ...]
    embedded: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]
    interval: timedelta
    score_qid: str
    filters: tuple[tuple[str, str], ...]  # (filter name, rule name)


@dataclass
class Response:
    """One response (or in-progress session) with its times and values."""

    index: int
    response_id: str
    session_id: str
    start: datetime
    end: datetime
    recorded: datetime
    finished: bool
    values: dict[str, Any]
    labels: dict[str, Any]
    pii: frozenset[str]
    modified: datetime | None = None
    modified_values: dict[str, Any] = field(default_factory=dict)

    def state_at(self, now: datetime) -> tuple[dict[str, Any], datetime]:
        """The values as of ``now`` and the last-modified date."""
        if self.modified is not None and self.modified <= now:
            return {**self.values, **self.modified_values}, self.modified
        return self.values, self.recorded


_RESPONSES: dict[tuple[str, int, int], Response] = {}

NPS = SurveyDef(
    survey_id="SV_1NpsDemoSurvey1",
    name="Customer NPS (demo)",
    questions=(
        QuestionDef("QID1", "nps", "How likely are you to recommend us to a friend or colleague?",
                    "Q1", {str(n): str(n) for n in range(11)}),
        QuestionDef("QID2", "text", "What is the main reason for your score?", "Q2"),
        QuestionDef("QID3", "multi", "Which channels did you use?", "Q3",
                    {"1": "Website", "2": "Mobile app", "3": "Phone support", "4": "Store visit",
                     "5": "Live chat"}),
        QuestionDef("QID4", "matrix", "How satisfied are you with our…", "Q4", SCALE,
                    {"1": "Price", "2": "Quality", "3": "Service"}),
        QuestionDef("QID5", "matrix", "How did the store do on…", "Q5", SCALE,
                    {"1": "Cleanliness", "2": "Staff", "3": "Checkout"}),
    ),
    embedded=("store_id", "customer_tier"),
    languages=(("EN", 0.4), ("DE", 0.25), ("FR", 0.2), ("ES", 0.15)),
    interval=timedelta(minutes=10),
    score_qid="QID1",
    filters=(("Detractors", "detractors"), ("German responses", "german"),
             ("Gold customers", "gold")),
)  # fmt: skip

CSAT = SurveyDef(
    survey_id="SV_2CsatPulseDemo2",
    name="Support CSAT pulse (demo)",
    questions=(
        QuestionDef("QID1", "single", "How satisfied were you with our support?", "CSAT",
                    {"1": "Very dissatisfied", "2": "Dissatisfied", "3": "Neutral",
                     "4": "Satisfied", "5": "Very satisfied"}),
        QuestionDef("QID2", "text", "What could we do better?", "Improve"),
        QuestionDef("QID3", "single", "How did you contact us?", "Channel",
                    {"1": "Email", "2": "Phone", "3": "Chat"}),
    ),
    embedded=("ticket_ref",),
    languages=(("FR", 0.6), ("ES", 0.4)),
    interval=timedelta(hours=1),
    score_qid="QID1",
    filters=(("Unhappy", "detractors"),),
)  # fmt: skip


class DemoSurvey:
    """A catalog survey for one seed: responses built lazily and cached by index."""

    def __init__(self, definition: SurveyDef, seed: int) -> None:
        self.definition, self.seed = definition, seed

    @property
    def survey_id(self) -> str:
        return self.definition.survey_id

    @cached_property
    def filter_ids(self) -> dict[str, tuple[str, str]]:
        """filterId → (filter name, rule name)."""
        return {
            stable_uuid(self.seed, self.survey_id, name): (name, rule)
            for name, rule in self.definition.filters
        }

    def slots_until(self, now: datetime) -> int:
        """How many response slots can have started by ``now``."""
        elapsed = (now - EPOCH) / self.definition.interval
        return max(0, min(MAX_SLOTS, int(elapsed) + 2))

    def response(self, index: int) -> Response:
        """Response ``index``, built once per process (responses are never changed)."""
        key = (self.definition.survey_id, self.seed, index)
        found = _RESPONSES.get(key)
        if found is None:
            if len(_RESPONSES) >= MAX_CACHED:
                _RESPONSES.clear()
            found = _RESPONSES[key] = make_response(self.definition, self.seed, index)
        return found

    def recorded(self, now: datetime) -> list[Response]:
        """Responses recorded at or before ``now``, oldest first."""
        found = [r for r in map(self.response, range(self.slots_until(now))) if r.recorded <= now]
        return sorted(found, key=lambda response: response.recorded)

    def in_progress(self, now: datetime) -> list[Response]:
        """Sessions started by ``now`` and not yet recorded."""
        rows = map(self.response, range(self.slots_until(now)))
        return [r for r in rows if not r.finished and r.start <= now < r.recorded]


def make_response(survey: SurveyDef, seed: int, index: int) -> Response:
    """Build response ``index`` of ``survey`` deterministically."""
    rng = random.Random(f"{seed}/{survey.survey_id}/{index}")
    interval = survey.interval.total_seconds()
    end = EPOCH + timedelta(seconds=index * interval + rng.uniform(-0.4, 0.4) * interval)
    end = end.replace(microsecond=0)
    finished = rng.random() >= 0.05
    duration = rng.randint(35, 900)
    mood = rng.choices(("detractor", "passive", "promoter"), (0.25, 0.3, 0.45))[0]
    language = rng.choices(*zip(*survey.languages, strict=True))[0]
    values, labels, pii = answers(survey, rng, mood, language, finished)
    recorded = end + timedelta(milliseconds=rng.randint(50, 2000))
    if not finished:
        recorded = end + PARTIAL_CLOSE + timedelta(milliseconds=rng.randint(1000, 60000))
    values |= metadata(rng, language, duration, finished)
    values |= recipient_values(f"{seed}/{survey.survey_id}/{index}", values, language)
    response = Response(
        index=index,
        response_id=stable_id("R_", seed, survey.survey_id, index),
        session_id=stable_id("FS_", seed, survey.survey_id, index),
        start=end - timedelta(seconds=duration),
        end=end,
        recorded=recorded,
        finished=finished,
        values=values,
        labels=labels | {"status": "IP Address", "finished": str(finished)},
        pii=frozenset(pii),
    )
    if finished and "customer_tier" in survey.embedded and rng.random() < 0.04:
        response.modified = recorded + timedelta(
            days=rng.randint(1, 5), seconds=rng.randint(0, 999)
        )
        response.modified_values = {"customer_tier": "platinum"}
    return response


def metadata(rng: random.Random, language: str, duration: int, finished: bool) -> dict[str, Any]:
    """The response metadata values, typed as the JSON export types them."""
    return {
        "status": 0,
        "ipAddress": f"198.51.100.{rng.randint(1, 254)}",
        "progress": 100 if finished else rng.randint(10, 85),
        "duration": duration,
        "finished": int(finished),
        "locationLatitude": f"{rng.uniform(35, 55):.4f}",
        "locationLongitude": f"{rng.uniform(-10, 20):.4f}",
        "distributionChannel": rng.choice(("anonymous", "anonymous", "email")),
        "userLanguage": language,
    }


def answers(
    survey: SurveyDef, rng: random.Random, mood: str, language: str, finished: bool
) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """Values (recodes), labels and planted PII for one response's questions."""
    values: dict[str, Any] = {}
    labels: dict[str, Any] = {}
    pii: set[str] = set()
    good = {"detractor": 0, "passive": 1, "promoter": 2}[mood]
    answered = survey.questions if finished else survey.questions[:1]
    for question in answered:
        qid = question.qid
        if question.kind == "nps":
            score = rng.choice(((0, 1, 2, 3, 4, 5, 6), (7, 8), (9, 10))[good])
            values[qid], values[f"{qid}_NPS_GROUP"] = score, good + 1
            labels[qid], labels[f"{qid}_NPS_GROUP"] = str(score), NPS_GROUPS[good + 1]
        elif question.kind == "text" and rng.random() < 0.85:
            text, planted = compose_comment(rng, language, mood)
            values[f"{qid}_TEXT"] = text
            pii |= planted
        elif question.kind == "multi":
            picked = sorted(rng.sample(sorted(question.choices), k=rng.randint(1, 3)))
            values[qid], labels[qid] = picked, [question.choices[c] for c in picked]
        elif question.kind == "single":
            code = _single(question, rng, good, survey.score_qid == qid)
            values[qid], labels[qid] = int(code), question.choices[code]
        elif question.kind == "matrix":
            for row in question.rows:
                code = str(min(5, max(1, good + 2 + rng.randint(-1, 1))))
                values[f"{qid}_{row}"], labels[f"{qid}_{row}"] = int(code), question.choices[code]
    for name in survey.embedded:
        values[name] = _embedded(name, rng)
    return values, labels, pii


def _single(question: QuestionDef, rng: random.Random, good: int, is_score: bool) -> str:
    if is_score:
        return rng.choice((("1", "2"), ("3",), ("4", "5"))[good])
    return rng.choice(sorted(question.choices))


def _embedded(name: str, rng: random.Random) -> str:
    if name == "store_id":
        return f"S-{rng.randint(1, 60):04d}"
    if name == "customer_tier":
        return rng.choice(("bronze", "silver", "gold"))
    return f"T-{rng.randint(100000, 999999)}"


def matches_filter(rule: str, values: dict[str, Any], survey: SurveyDef) -> bool:
    """Whether a response's values pass a saved filter's rule."""
    if rule == "detractors":
        score = values.get(survey.score_qid)
        limit = 6 if survey.score_qid == "QID1" and survey is NPS else 2
        return score is not None and int(score) <= limit
    if rule == "german":
        return values.get("userLanguage") == "DE"
    if rule == "gold":
        return values.get("customer_tier") == "gold"
    raise ValueError(f"unknown filter rule {rule!r}")
