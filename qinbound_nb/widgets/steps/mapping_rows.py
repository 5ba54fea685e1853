"""One row of the mapping table: a source field, whether and how it is loaded, and its
transformation (none, lookup table, regex or expression) with a small editor."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import (
    ExpressionTransform,
    FieldMapping,
    LookupTransform,
    RegexTransform,
)
from qinbound_nb.job.vocab import FieldType, TransformKind

# "skip" is the Load checkbox, not a type to pick
TYPES = [(kind.capitalize(), kind) for kind in FieldType if kind != FieldType.SKIP]
TRANSFORM_LABELS = {
    TransformKind.LOOKUP: "Lookup table",
    TransformKind.REGEX: "Regex replace",
    TransformKind.EXPRESSION: "Expression",
}
NO_TRANSFORM = "none"
TRANSFORMS = [
    ("No transformation", NO_TRANSFORM),
    *((TRANSFORM_LABELS[kind], kind) for kind in TransformKind),
]
HEADER = ["Source field", "Load", "Type", "Attribute name", "Transformation", ""]
COLUMNS = "minmax(180px, 2fr) 50px 120px minmax(160px, 1.5fr) minmax(200px, 2fr) minmax(160px, 2fr)"


def _wide() -> W.Layout:
    """An editor as wide as its grid cell (not ipywidgets' 300 px); a new layout each time."""
    return W.Layout(width="95%")


def parse_lookup_table(text: str) -> dict[str, str]:
    """Read ``value : replacement`` lines (blank lines and ``#`` comments skipped)."""
    table = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        value, colon, replacement = line.partition(":")
        if not colon:
            raise ValueError(f"line {number}: '{line}' has no ':'; write 'value : replacement'")
        table[value.strip()] = replacement.strip()
    if not table:
        raise ValueError("the lookup table is empty; write one 'value : replacement' per line")
    return table


class FieldRow:
    """The widgets of one source field, read into a FieldMapping."""

    def __init__(self, source: str, description: str = "") -> None:
        self.source = source
        self.label = W.HTML(_source_label(source, description))
        self.include = W.Checkbox(value=False, indent=False, layout=W.Layout(width="40px"))
        self.type = W.Dropdown(options=TYPES, value=FieldType.TEXT, layout=W.Layout(width="110px"))
        self.attribute = W.Text(placeholder="attribute name", layout=W.Layout(width="95%"))
        self.transform = W.Dropdown(
            options=TRANSFORMS, value=NO_TRANSFORM, layout=W.Layout(width="95%")
        )
        self.lookup_table = W.Textarea(
            placeholder="value : replacement (one per line)", rows=3, layout=_wide()
        )
        self.lookup_default = W.Text(
            placeholder="other values become (empty: unchanged)", layout=_wide()
        )
        self.pattern = W.Text(placeholder="regular expression", layout=_wide())
        self.replacement = W.Text(placeholder="replacement (\\1 for groups)", layout=_wide())
        self.expression = W.Textarea(
            placeholder='e.g. IF(QID1 >= 9, "promoter", "other")', rows=2, layout=_wide()
        )
        self.editors = {
            TransformKind.LOOKUP: W.VBox([self.lookup_table, self.lookup_default]),
            TransformKind.REGEX: W.VBox([self.pattern, self.replacement]),
            TransformKind.EXPRESSION: W.VBox([self.expression]),
        }
        self.error = W.HTML("")
        self.transform_cell = W.VBox([self.transform, *self.editors.values()])
        self.transform.observe(lambda _change: self._show_editor(), names="value")
        self._show_editor()

    def describe(self, description: str) -> None:
        """Show what the source field is (question text, "embedded data"...)."""
        self.label.value = _source_label(self.source, description)

    @property
    def controls(self) -> list[W.Widget]:
        """Every widget whose value belongs to the mapping."""
        return [
            self.include,
            self.type,
            self.attribute,
            self.transform,
            self.lookup_table,
            self.lookup_default,
            self.pattern,
            self.replacement,
            self.expression,
        ]

    @property
    def cells(self) -> list[W.Widget]:
        """The row's cells in the table's column order."""
        return [
            self.label,
            self.include,
            self.type,
            self.attribute,
            self.transform_cell,
            self.error,
        ]

    def _show_editor(self) -> None:
        for kind, editor in self.editors.items():
            editor.layout.display = "flex" if self.transform.value == kind else "none"

    def read(self) -> tuple[dict[str, Any], str | None]:
        """The FieldMapping data, and a problem with the transformation editor if any."""
        data: dict[str, Any] = {
            "source": self.source,
            "name": self.attribute.value.strip() or None,
            "type": self.type.value if self.include.value else FieldType.SKIP,
        }
        kind = self.transform.value
        try:
            if kind == TransformKind.LOOKUP:
                default = self.lookup_default.value or None
                data["transform"] = {
                    "kind": kind,
                    "table": parse_lookup_table(self.lookup_table.value),
                    "default": default,
                }
            elif kind == TransformKind.REGEX:
                data["transform"] = {
                    "kind": kind,
                    "pattern": self.pattern.value,
                    "replacement": self.replacement.value,
                }
            elif kind == TransformKind.EXPRESSION:
                data["transform"] = {"kind": kind, "expression": self.expression.value.strip()}
        except ValueError as exc:
            return data, str(exc)
        return data, None

    def load(self, mapping: FieldMapping) -> None:
        """Show a saved FieldMapping."""
        self.include.value = mapping.type != FieldType.SKIP
        if mapping.type != FieldType.SKIP:
            self.type.value = mapping.type
        self.attribute.value = mapping.name or ""
        transform = mapping.transform
        self.transform.value = transform.kind if transform else NO_TRANSFORM
        if isinstance(transform, LookupTransform):
            self.lookup_table.value = "\n".join(f"{k} : {v}" for k, v in transform.table.items())
            self.lookup_default.value = transform.default or ""
        elif isinstance(transform, RegexTransform):
            self.pattern.value = transform.pattern
            self.replacement.value = transform.replacement
        elif isinstance(transform, ExpressionTransform):
            self.expression.value = transform.expression


def _source_label(source: str, description: str) -> str:
    text = f"<b>{html.escape(source)}</b>"
    if description and description != source:
        text += f"<br><small>{html.escape(description[:120])}</small>"
    return text
