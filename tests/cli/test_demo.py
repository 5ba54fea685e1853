"""``qinbound demo`` prints the very figures the README shows (its sandbox clock is pinned)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb.cli.main import main

README = Path(__file__).parents[2] / "README.md"
FIRST_RUN = "   documents: fetched 2736, loaded 2736"
A_DAY_LATER = "   documents: fetched 154, loaded 148, replaced 6"


def readme_demo_lines() -> list[str]:
    """The lines of the README's code block that shows the demo's two runs."""
    blocks = README.read_text(encoding="utf-8").split("```")
    (block,) = [block for block in blocks if "first run (through papermill)" in block]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_shows_the_seeded_figures() -> None:
    shown = readme_demo_lines()
    assert FIRST_RUN in shown and A_DAY_LATER in shown


@pytest.mark.slow
def test_the_demo_prints_the_readme_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "")  # the demo pins it; restored afterwards
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 0
    printed = capsys.readouterr().out.splitlines()
    expected = readme_demo_lines()
    assert [line for line in printed if line in expected] == expected, "\n".join(printed)
