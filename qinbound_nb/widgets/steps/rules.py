"""Step 6: substitution and redaction: rule text in XM Discover's formats (typed or uploaded
as .txt files), built-in PII detectors, the mask style and which fields the rules apply to."""

from __future__ import annotations

import base64
import html
from typing import Any, Literal

import ipywidgets as W

from qinbound_nb.errors import RuleError
from qinbound_nb.job.config import KNOWN_VALUE_FIELDS, Rules
from qinbound_nb.job.rulesyntax import commented_patterns, rule_template
from qinbound_nb.job.vocab import ApplyTo, FieldType, MaskStyle, PiiKind
from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.tasks import guarded

SUBSTITUTIONS_HINT = (
    "# one rule per line: phrase to replace : replacement\ncorroded virus : Coronavirus"
)
REDACTIONS_HINT = "# one regular expression per line\n\\d{3}-\\d{2}-\\d{4}"
MASK_LABELS = {
    MaskStyle.FIXED: "Fixed text (the mask below)",
    MaskStyle.TYPED: "Typed: [EMAIL], [PHONE]…",
    MaskStyle.HASH: "Keyed hash: [EMAIL:3f2a9c1b]",
}
PII_LABELS = {
    PiiKind.EMAIL: "Email",
    PiiKind.PHONE: "Phone",
    PiiKind.CREDIT_CARD: "Credit card",
    PiiKind.SSN: "SSN",
    PiiKind.IP: "IP address",
    PiiKind.PERSON: "Person name",
    PiiKind.ADDRESS: "Street address",
    PiiKind.IBAN: "IBAN",
}
CHOSEN = "chosen"  # the wizard's word for "a list of fields", beside ApplyTo's words
RuleKind = Literal["substitutions", "redactions"]


def uploaded_text(upload: dict[str, Any]) -> str:
    """The text of one uploaded rule file; RuleError if it is not UTF-8 text."""
    name = str(upload.get("name", "uploaded file"))
    try:
        return bytes(upload["content"]).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError(
            "is not UTF-8 text; save it as UTF-8 and upload it again", source=name
        ) from None


def template_link(kind: RuleKind) -> W.HTML:
    """A link that downloads the commented example file of ``kind`` (XM Discover's Template)."""
    data = base64.b64encode(rule_template(kind).encode("utf-8")).decode("ascii")
    return W.HTML(
        f'<a download="{kind}.txt" href="data:text/plain;charset=utf-8;base64,{data}" '
        f'title="the example file, to edit and upload">Download {kind}.txt</a>'
    )


class RulesStep(Step[Rules]):
    """Set up substitution, redaction and PII detection."""

    name = "rules"
    title = "Substitution and redaction"

    def build(self) -> list[W.Widget]:
        area = W.Layout(width="70%", height="110px")
        self.substitutions = W.Textarea(placeholder=SUBSTITUTIONS_HINT, layout=area)
        self.redactions = W.Textarea(placeholder=REDACTIONS_HINT, layout=area)
        self.substitutions_file = W.FileUpload(accept=".txt", description="Upload .txt")
        self.redactions_file = W.FileUpload(accept=".txt", description="Upload .txt")
        hint = "fill the empty box with a commented example file in XM Discover's format"
        self.substitutions_template = W.Button(description="Template", tooltip=hint)
        self.redactions_template = W.Button(description="Template", tooltip=hint)
        self.pii = {
            kind: W.ToggleButton(description=PII_LABELS[kind], value=False) for kind in PiiKind
        }
        self.known_values = W.Text(
            description="Own fields",
            value=", ".join(KNOWN_VALUE_FIELDS),
            layout=W.Layout(width="70%"),
            style={"description_width": "initial"},
        )
        self.ner_model = W.Text(
            description="spaCy model", placeholder="optional, e.g. en_core_web_sm"
        )
        self.mask_style = W.Dropdown(
            description="Mask style",
            options=[(MASK_LABELS[style], style) for style in MaskStyle],
            value=MaskStyle.FIXED,
        )
        self.mask = W.Text(description="Mask", value="[REDACTED]")
        self.apply_to = W.RadioButtons(
            options=[("Verbatim fields", ApplyTo.VERBATIMS), ("Chosen fields", CHOSEN)],
            value=ApplyTo.VERBATIMS,
        )
        self.fields = W.SelectMultiple(options=[], rows=4)
        self.redaction_notes = W.HTML("")
        for upload, target in (
            (self.substitutions_file, self.substitutions),
            (self.redactions_file, self.redactions),
        ):
            upload.observe(guarded(self.messages)(self._loader(upload, target)), names="value")
        self.substitutions_template.on_click(self._filler("substitutions", self.substitutions))
        self.redactions_template.on_click(self._filler("redactions", self.redactions))
        self.watch(self.substitutions, self.redactions, *self.pii.values())
        self.watch(self.known_values, self.ner_model)
        self.watch(self.mask_style, self.mask, self.apply_to, self.fields)
        return [
            W.HTML("<b>Substitutions</b> <small>(case-sensitive; <code># comments</code>)</small>"),
            self.field("substitutions", self.substitutions, self._buttons("substitutions")),
            W.HTML("<b>Redactions</b> <small>(regular expressions, RE2 flavour)</small>"),
            self.field("redactions", self.redactions, self._buttons("redactions")),
            self.redaction_notes,
            W.HTML("<b>Built-in PII detectors</b> <small>(ours: XM Discover has none)</small>"),
            self.field("pii", W.HBox(list(self.pii.values()))),
            W.HTML(
                "<small>The respondent's own fields: their values are redacted wherever the "
                "same response's comments mention them (comma-separated).</small>"
            ),
            self.field("known_values", self.known_values),
            self.field("ner_model", self.ner_model),
            self.field("mask_style", self.mask_style),
            self.field("mask", self.mask),
            W.HTML("<b>Apply to</b>"),
            self.field("apply_to", self.apply_to, self.fields),
        ]

    def _buttons(self, kind: RuleKind) -> W.VBox:
        """Upload, Template and the template's download link, stacked beside the rule box."""
        if kind == "substitutions":
            upload, template = self.substitutions_file, self.substitutions_template
        else:
            upload, template = self.redactions_file, self.redactions_template
        return W.VBox([upload, template, template_link(kind)])

    def _filler(self, kind: RuleKind, target: W.Textarea) -> Any:
        @guarded(self.messages)
        def fill(_button: W.Button) -> None:
            if target.value.strip():
                self.messages.error(
                    f"The {kind} box already holds rules, so the template was not loaded over "
                    f"them: clear the box first, or download {kind}.txt with the link below "
                    "the button."
                )
                return
            target.value = rule_template(kind)
            self.messages.success(
                f"Loaded the {kind} template: its comments explain the format; edit or "
                "delete its example rules."
            )

        return fill

    def _loader(self, upload: W.FileUpload, target: W.Textarea) -> Any:
        def load(change: dict[str, Any]) -> None:
            files = list(change["new"])
            if not files:
                return
            texts = [uploaded_text(file) for file in files]
            target.value = "\n".join(texts)
            names = ", ".join(str(file.get("name", "?")) for file in files)
            upload.value = ()  # so the same file can be uploaded again after editing it
            self.messages.success(f"Loaded {names}; the rules are checked below.")

        return load

    def enter(self) -> None:
        mapping = self.context.draft(self.name).get("mapping", {})
        names = [
            f["name"]
            for f in mapping.get("fields", [])
            if f.get("type") in (FieldType.TEXT, FieldType.VERBATIM)
        ]
        chosen = [name for name in self.fields.value if name in names]
        with self.quietly():
            self.fields.options = list(dict.fromkeys([*names, *self.fields.value]))
            self.fields.value = tuple(chosen or self.fields.value)

    def check(self) -> Checked[Rules]:
        self.redaction_notes.value = commented_pattern_notes(self.redactions.value)
        self.fields.layout.display = "flex" if self.apply_to.value == CHOSEN else "none"
        self.mask.layout.display = "flex" if self.mask_style.value == MaskStyle.FIXED else "none"
        apply_to: Any = ApplyTo.VERBATIMS
        if self.apply_to.value == CHOSEN:
            apply_to = list(self.fields.value)
            if not apply_to:
                return Checked(None, {"apply_to": "choose at least one field"})
        return validated(
            Rules,
            {
                "pii": [kind for kind, toggle in self.pii.items() if toggle.value],
                "redactions": self.redactions.value,
                "substitutions": self.substitutions.value,
                "mask": self.mask.value,
                "mask_style": self.mask_style.value,
                "apply_to": apply_to,
                "known_values": [
                    n.strip() for n in self.known_values.value.split(",") if n.strip()
                ],
                "ner_model": self.ner_model.value.strip() or None,
            },
        )

    def load(self, model: Rules) -> None:
        with self.quietly():
            self.substitutions.value = model.substitutions
            self.redactions.value = model.redactions
            for kind, toggle in self.pii.items():
                toggle.value = kind in model.pii
            self.mask.value = model.mask
            self.mask_style.value = model.mask_style
            self.known_values.value = ", ".join(model.known_values)
            self.ner_model.value = model.ner_model or ""
            chosen = [] if model.apply_to == ApplyTo.VERBATIMS else list(model.apply_to)
            self.fields.options = list(dict.fromkeys([*self.fields.options, *chosen]))
            self.fields.value = tuple(chosen)
            self.apply_to.value = CHOSEN if chosen else ApplyTo.VERBATIMS

    def job_fields(self, model: Rules) -> dict[str, Any]:
        return {"rules": model.model_dump(mode="json")}

    def summary(self, model: Rules) -> list[tuple[str, str]]:
        mask = model.mask if model.mask_style == MaskStyle.FIXED else model.mask_style
        return [
            ("Substitution rules", str(_rule_count(model.substitutions))),
            ("Redaction rules", str(_rule_count(model.redactions))),
            ("PII detectors", ", ".join(model.pii) or "none"),
            ("Respondent's own fields", ", ".join(model.known_values) or "none"),
            ("Mask", mask),
            (
                "Applies to",
                "verbatim fields"
                if model.apply_to == ApplyTo.VERBATIMS
                else ", ".join(model.apply_to),
            ),
        ]


def commented_pattern_notes(text: str) -> str:
    """A warning (not an error) for each '#' line that looks like a pattern."""
    notes = [
        f"line {number}: '{line}' starts with '#', so it is a comment and redacts nothing "
        "(rule files treat '#' lines as comments, as XM Discover does); to match a '#', "
        f"write it as [#]: '[#]{line[1:]}'"
        for number, line in commented_patterns(text)
    ]
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return f'<ul class="qinbound-warning" style="color:#b45309">{items}</ul>' if notes else ""


def _rule_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
