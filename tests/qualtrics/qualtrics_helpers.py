"""Helpers shared by the Qualtrics adapter tests (fixture files, a fake clock)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures" / "qualtrics"
TOKEN = "tok3n-S3CRET-abcdefghijklmnopqrstuvwxyz0123"
SANDBOX_NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)


def load(name: str) -> Any:
    """A fixture body in the recorded shapes (written for these tests)."""
    return json.loads((FIXTURES / name).read_text())


class Sleeps(list[float]):
    """A fake ``sleep`` that records every wait and advances a fake clock."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now
