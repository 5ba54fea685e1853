"""``Sandbox``: the embedded Qualtrics API v3, for the demo, tests, the wizard and benchmarks.

Catalog (deterministic from the seed):

- ``SV_1NpsDemoSurvey1`` "Customer NPS (demo)": NPS (QID1 + QID1_NPS_GROUP), an open comment
  (QID2_TEXT) in EN/DE/FR/ES with planted personal data and decoys, a multi-select (QID3),
  two matrices (QID4_1..3, QID5_1..3, whose export tags repeat), embedded ``store_id`` and
  ``customer_tier``, three saved filters; a response about every 10 minutes from
  2026-11-01T00:00Z, closed partials, in-progress ``FS_`` sessions, later modifications.
- ``SV_2CsatPulseDemo2`` "Support CSAT pulse (demo)": CSAT 1–5, a comment in FR/ES, hourly.
- Imported Data Project ``dcf04acc768f4ea5`` (ORM reviews, ``uniqueField`` ``review_id``).
- Tickets through ``/ticket-exports`` (peer-knowledge endpoints, see ``qualtrics/tickets.py``).
- ``add_generated_survey(survey_id, responses=N)``: N responses streamed by the generator.

Settings from the environment (``from_env``, or ``from_settings`` given a
:class:`~qinbound_nb.local.settings.Settings`; papermill kernels use this):
``QINBOUND_SANDBOX_SEED`` (int, default 0), ``QINBOUND_SANDBOX_NOW`` (ISO timestamp the
sandbox treats as now; default: the real clock), ``QINBOUND_SANDBOX_FAULTS`` (a fault plan,
see :mod:`.faults`), ``QINBOUND_SANDBOX_SURVEYS`` (``SV_id=N,...``: generated surveys),
``QINBOUND_SANDBOX_EXPORT_LIMIT`` (bytes an export file may have before its start is refused
as too large; default Qualtrics' 1.8 GB, scaled down to test splitting),
``QINBOUND_SANDBOX_RATE_LIMIT`` (the rate limit mode, ``calls=N,exports=M``: see
:mod:`.throttle`).

Any non-empty ``X-API-TOKEN`` is accepted except ``expired-token`` and ``revoked-token``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import SURVEY_ID
from qinbound_nb.local.settings import Settings
from qinbound_nb.sandbox import exports as sandbox_exports
from qinbound_nb.sandbox import feeds as sandbox_feeds
from qinbound_nb.sandbox.api import SandboxApi
from qinbound_nb.sandbox.catalog import CSAT, MAX_SLOTS, NPS, DemoSurvey
from qinbound_nb.sandbox.faults import FaultPlan
from qinbound_nb.sandbox.generated import TEMPLATES, GeneratedSurvey
from qinbound_nb.sandbox.render import zip_stream
from qinbound_nb.sandbox.routes import ROUTES
from qinbound_nb.sandbox.server import SandboxServer, SandboxTransport
from qinbound_nb.sandbox.sizes import EXPORT_LIMIT
from qinbound_nb.sandbox.throttle import RateLimit, parse_rate_plan

NPS_SURVEY_ID = NPS.survey_id
CSAT_SURVEY_ID = CSAT.survey_id
IDP_SOURCE_ID = sandbox_feeds.IDP_SOURCE_ID
TICKETS = "tickets"


class Sandbox:
    """A faithful, deterministic Qualtrics API simulator served in-process or on loopback."""

    def __init__(
        self,
        seed: int = 0,
        *,
        now: datetime | None = None,
        faults: str | None = None,
        page_size: int = 100,
        compress_level: int = 1,
        sleep: Callable[[float], None] = time.sleep,
        export_limit: int = EXPORT_LIMIT,
        rate_limit: str | None = None,
    ) -> None:
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.seed, self._now, self.page_size = seed, now, page_size
        self.faults = FaultPlan(faults)
        self.rate_limit = RateLimit(parse_rate_plan(rate_limit))
        self.compress_level, self._sleep = compress_level, sleep
        self.export_limit = export_limit  # bytes; scaled down so tests split small surveys
        self.surveys: dict[str, DemoSurvey | GeneratedSurvey] = {
            NPS.survey_id: DemoSurvey(NPS, seed),
            CSAT.survey_id: DemoSurvey(CSAT, seed),
        }
        self.api = SandboxApi(self, ROUTES)

    @classmethod
    def from_env(cls) -> Sandbox:
        """A sandbox configured by the ``QINBOUND_SANDBOX_*`` variables (see the module doc)."""
        return cls.from_settings(Settings())

    @classmethod
    def from_settings(cls, settings: Settings) -> Sandbox:
        """A sandbox with the seed, clock, faults and generated surveys of ``settings``."""
        sandbox = cls(
            settings.sandbox_seed,
            now=settings.sandbox_now,
            faults=settings.sandbox_faults,
            export_limit=settings.sandbox_export_limit or EXPORT_LIMIT,
            rate_limit=settings.sandbox_rate_limit,
        )
        for survey_id, responses in settings.generated_surveys().items():
            sandbox.add_generated_survey(survey_id, responses=responses)
        return sandbox

    def now(self) -> datetime:
        """The sandbox's "now": the fixed one given, or the real clock."""
        return self._now or datetime.now(UTC)

    def transport(self) -> SandboxTransport:
        """An httpx transport answering in-process (bodies streamed, not buffered)."""
        return SandboxTransport(self.api, self._sleep)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Serve on a loopback socket; the returned server has ``.url`` and ``.close()``."""
        return SandboxServer(self.api, host, port, self._sleep)

    def add_generated_survey(
        self, survey_id: str, responses: int, name: str | None = None
    ) -> GeneratedSurvey:
        """Add a survey of ``responses`` generated responses (recorded from 2020-01-01, 1/s)."""
        if not SURVEY_ID.fullmatch(survey_id):
            raise ConfigError(f"survey id {survey_id!r} must be 'SV_' and 15 letters or digits")
        if responses < 0:
            raise ConfigError("a generated survey needs zero or more responses")
        survey = GeneratedSurvey(survey_id, name or f"Generated survey {survey_id}", responses,
                                 self.seed)  # fmt: skip
        self.surveys[survey_id] = survey
        return survey

    def planted_pii(self, source_id: str) -> set[str]:
        """Every raw PII value planted in a source's text that exists as of now."""
        now = self.now()
        if source_id == IDP_SOURCE_ID:
            return {value for r in sandbox_feeds.reviews_until(self.seed, now) for value in r.pii}
        if source_id == TICKETS:
            return _ticket_pii(self.seed, now)
        survey = self.surveys.get(source_id)
        if survey is None:
            raise ConfigError(f"the sandbox has no source {source_id!r}")
        if isinstance(survey, GeneratedSurvey):
            demo = DemoSurvey(NPS, self.seed)
            return {v for i in range(2 * TEMPLATES) for v in demo.response(i).pii}
        rows = map(survey.response, range(survey.slots_until(now)))
        return {value for r in rows if r.start <= now for value in r.pii}

    def token(self, source: str, as_of: datetime) -> str:
        """A continuation token for ``source`` issued at ``as_of``."""
        return sandbox_exports.make_token(self.seed, source, as_of)

    def zip(self, member: str, content: Iterator[bytes]) -> Iterator[bytes]:
        """A zip of one member, streamed as it is compressed."""
        return zip_stream(member, content, self.compress_level)


def serve_forever(
    port: int = 8765,
    host: str = "127.0.0.1",
    announce: Callable[[str], None] = print,
    sandbox: Sandbox | None = None,
) -> None:
    """Run ``qinbound sandbox serve``: serve on loopback until interrupted (Ctrl+C)."""
    from qinbound_nb.qualtrics.hosts import is_loopback

    if not is_loopback(host):
        raise ConfigError(
            f"the sandbox serves only on loopback (127.0.0.1, ::1 or localhost), not {host!r}: "
            "it accepts any token"
        )
    try:
        server = (sandbox or Sandbox.from_env()).serve(host, port)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port"
        ) from exc
    announce(f"sandbox Qualtrics API at {server.url} (any token works; Ctrl+C stops it)")
    announce(f"point a client at it with: export QINBOUND_API_BASE_URL={server.url}")
    try:
        while True:
            time.sleep(3600)
    finally:
        server.close()


def _ticket_pii(seed: int, now: datetime) -> set[str]:
    found: set[str] = set()
    index = 0
    while index < MAX_SLOTS and (item := sandbox_feeds.ticket(seed, index)).created <= now:
        found |= item.pii
        index += 1
    return found
