"""The comparison view: each response's raw values beside its document's, asserted on the HTML."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from qinbound_nb.render.compare import compare_frame
from qinbound_nb.render.html import render_preview_html
from qinbound_nb.render.spans import locate_in_input

RAW_COMMENTS = [
    "Mail me at jane.doe@example.com please",
    "corroded virus everywhere, call 555-123-4567",
    "<script>alert('x')</script> fine",
    "Too slow",
]
DOC_COMMENTS = [
    "Mail me at [EMAIL] please",
    "Coronavirus everywhere, call [PHONE]",
    "<script>alert('x')</script> fine",
    "Too slow",
]
SOURCES = {"nps_comment": "QID2_TEXT", "nps_score": "QID1", "document_date": "endDate"}


def arrow(values: list) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


@pytest.fixture
def frames() -> dict:
    index = pd.RangeIndex(4)
    dates = pd.to_datetime(
        ["2026-11-01T10:00Z", "2026-11-01T12:00Z", "2026-11-02T09:00Z", "2026-11-03T09:00Z"]
    )
    raw = pd.DataFrame(
        {
            "responseId": arrow([f"R_{n:015d}" for n in range(4)]),
            "endDate": dates,
            "QID1": [9.0, 3.0, None, 7.0],
            "QID2_TEXT": arrow(RAW_COMMENTS),
            "store_id": arrow(["S-1", "S-2", "S-3", "S-4"]),
        },
        index=index,
    )
    documents = pd.DataFrame(
        {
            "natural_id": arrow([f"nps;R_{n:015d}" for n in range(4)]),
            "document_date": dates,
            "nps_score": [9.0, 3.0, None, 7.0],
            "nps_comment": arrow(DOC_COMMENTS),
        },
        index=index,
    )
    spans = pd.DataFrame(
        {
            "row": [0, 1, 1],
            "field": ["nps_comment"] * 3,
            "start": [11, 0, 29],
            "end": [18, 11, 36],
            "rule": ["email", "substitution:1", "phone"],
        }
    )
    dropped = pd.DataFrame(
        {
            "outcome": ["skipped_duplicate", "filtered_out"],
            "reason": ["the same natural_id came earlier", "filtered out by filter: x > 1"],
        },
        index=[2, 3],
    )
    problems = pd.DataFrame(
        {"row": [2], "field": ["nps_score"], "value": ["n/a"], "problem": ["not a number"]}
    )
    return {
        "raw": raw,
        "documents": documents,
        "spans": spans,
        "dropped": dropped,
        "outcomes": pd.Series(["new", "replaces"], index=[0, 1]),
        "counts": {"sampled": 4, "kept": 2, "hits email": 1},
        "problems": problems,
    }


def render(frames: dict, **options) -> str:
    options.setdefault("field_sources", SOURCES)
    options.setdefault("verbatims", ["nps_comment"])
    options.setdefault("problems", frames["problems"])
    return render_preview_html(
        frames["raw"],
        frames["documents"],
        frames["spans"],
        frames["dropped"],
        frames["outcomes"],
        frames["counts"],
        **options,
    )


def row_html(markup: str, row: int) -> str:
    match = re.search(rf'<tr class="[^"]*" data-row="{row}".*?</tr>', markup, flags=re.S)
    assert match, f"row {row} is missing"
    return match.group(0)


def cell(markup: str, row: int, field: str, side: str) -> str:
    pattern = rf'<td [^>]*data-row="{row}" data-field="{field}" data-side="{side}">(.*?)</td>'
    match = re.search(pattern, markup, flags=re.S)
    assert match, (row, field, side)
    return match.group(1)


def test_a_verbatim_raw_and_document_text_sit_in_adjacent_cells(frames) -> None:
    line = row_html(render(frames), 0)
    sides = re.findall(r'data-field="([^"]+)" data-side="(raw|doc)"', line)
    assert sides[:2] == [("nps_comment", "raw"), ("nps_comment", "doc")]  # verbatims first
    assert ("nps_score", "raw") in sides and ("document_date", "doc") in sides
    assert 'class="text raw"' in line and 'class="value doc"' in line


def test_each_span_is_marked_in_both_texts_with_its_rule_as_hover(frames) -> None:
    titles = {"email": "email: built-in detector", "substitution:1": "substitution, line 1"}
    markup = render(frames, rule_titles=titles)
    doc, raw = cell(markup, 0, "nps_comment", "doc"), cell(markup, 0, "nps_comment", "raw")
    assert '<mark class="hit hit-email" data-rule="email" title="email: built-in detector">' in doc
    assert 'title="email: built-in detector">jane.doe@example.com</mark>' in raw
    second_raw = cell(markup, 1, "nps_comment", "raw")
    assert 'class="hit hit-substitution"' in second_raw and "corroded virus</mark>" in second_raw
    assert 'title="phone">555-123-4567</mark>' in second_raw
    assert 'title="phone">[PHONE]</mark>' in cell(markup, 1, "nps_comment", "doc")


def test_the_response_block_shows_id_status_and_reason(frames) -> None:
    markup = render(frames)
    assert "R_000000000000000" in row_html(markup, 0)
    assert '<span class="badge badge-new">new</span>' in row_html(markup, 0)
    assert '<span class="badge badge-replaces">replaces</span>' in row_html(markup, 1)
    skipped = row_html(markup, 2)
    assert skipped.startswith('<tr class="status-skipped"') and "came earlier" in skipped
    dropped = row_html(markup, 3)
    assert "badge-dropped" in dropped and "filtered out by filter: x &gt; 1" in dropped
    assert "Too slow" in cell(markup, 3, "nps_comment", "raw")  # still shown, greyed


def test_rows_carry_the_flags_the_quick_filters_read(frames) -> None:
    markup = render(frames)
    assert 'data-hits="1" data-dropped="0" data-problem="0"' in row_html(markup, 0)
    assert 'data-hits="0" data-dropped="1" data-problem="1"' in row_html(markup, 2)
    filters = re.search(r'<div class="filters".*?</div>', markup, flags=re.S)
    assert filters and 'type="search"' in filters.group(0)
    assert [v for v in re.findall(r'type="checkbox" value="(\w+)"', markup)] == [
        "hits",
        "dropped",
        "problem",
    ]


def test_every_mapping_problem_is_listed_with_field_value_and_reason(frames) -> None:
    problems = re.search(r'<details class="problems".*?</details>', render(frames), flags=re.S)
    assert problems, "no problem list"
    assert "1 mapping problem:" in problems.group(0)
    assert "<td>nps_score</td><td><code>n/a</code></td><td>not a number</td>" in problems.group(0)


def test_unmapped_raw_columns_are_folded_behind_one_toggle(frames) -> None:
    markup = render(frames)
    folded = re.search(r'<details class="unmapped">.*?</details>', markup, flags=re.S)
    assert folded and "<th>store_id</th>" in folded.group(0)
    assert "1 raw columns not mapped" in folded.group(0)
    assert markup.count("<details") == 2 and 'data-field="store_id"' not in markup


def test_data_is_escaped(frames) -> None:
    markup = render(frames)
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; fine" in row_html(markup, 2)


def test_one_legend_with_counts_and_no_duplicate_chips(frames) -> None:
    markup = render(frames)
    legend = re.findall(
        r'class="chip legend-rule" data-rule="([^"]+)"[^>]*>([^<]*)<b>(\d+)</b>', markup
    )
    assert sorted(legend) == [
        ("email", "email: ", "1"),
        ("phone", "phone: ", "1"),
        ("substitution:1", "substitution line 1: ", "1"),
    ]
    assert "sampled: <b>4</b>" in markup and "to load: <b>2</b>" in markup
    assert "hits email" not in markup


def test_charts_only_where_they_say_something(frames) -> None:
    markup = render(frames)
    assert markup.count("<svg") == 2  # three days, two kinds of hit
    assert "<title>2026-11-01: 2</title>" in markup and "<title>email: 1</title>" in markup
    one_day = {
        **frames,
        "documents": frames["documents"].assign(document_date=frames["raw"]["endDate"].iloc[0]),
    }
    one_kind = {**one_day, "spans": frames["spans"].iloc[:1]}
    assert "<svg" not in render(one_kind)


def test_compare_frame_pairs_raw_and_document_values(frames) -> None:
    paired = compare_frame(
        frames["raw"],
        frames["documents"],
        SOURCES,
        dropped=frames["dropped"],
        outcomes=frames["outcomes"],
    )
    assert list(paired.columns[:3]) == [
        ("response", "id"),
        ("response", "status"),
        ("response", "reason"),
    ]
    assert list(paired["response", "status"]) == ["new", "replaces", "skipped", "dropped"]
    assert paired.loc[0, ("nps_comment", "raw")] == RAW_COMMENTS[0]
    assert paired.loc[0, ("nps_comment", "doc")] == DOC_COMMENTS[0]
    assert list(paired.columns.get_level_values("side")[3:5]) == ["raw", "doc"]


def test_kept_rows_without_a_store_say_kept(frames) -> None:
    markup = render({**frames, "outcomes": None})
    assert '<span class="badge badge-kept">kept</span>' in row_html(markup, 0)


def test_empty_sample_renders_without_hits() -> None:
    empty = pd.DataFrame({"responseId": arrow([])})
    markup = render_preview_html(empty, pd.DataFrame(), None, None, None, {})
    assert "No redaction or substitution hits" in markup and "<svg" not in markup


def test_located_originals_use_given_lengths_when_the_text_is_ambiguous() -> None:
    # "a.b@x.com." — alignment alone would stop the email at its first '.'
    output, original = "[EMAIL].", "a.b@x.com."
    assert locate_in_input(output, original, [((0, 7, "email"), (-1, 9, "email"))]) == [
        (0, 9, "email")
    ]
    assert locate_in_input("x [M]", "y secret", [((2, 5, "redaction:1"), None)]) == []


def test_large_sample_renders_every_row(frames) -> None:
    rows = 1000
    raw = pd.concat([frames["raw"]] * (rows // 4), ignore_index=True)
    docs = pd.concat([frames["documents"]] * (rows // 4), ignore_index=True)
    markup = render_preview_html(raw, docs, None, None, None, {}, field_sources=SOURCES)
    assert markup.count('<tr class="status-kept" data-row=') == rows


def test_a_document_value_that_differs_from_its_raw_value_is_marked(frames) -> None:
    documents = frames["documents"].assign(nps_score=[9.0, 4.0, None, 7.0])
    markup = render({**frames, "documents": documents})
    assert 'class="value doc changed" data-row="1" data-field="nps_score"' in markup
    assert 'class="value doc" data-row="0" data-field="nps_score"' in markup
