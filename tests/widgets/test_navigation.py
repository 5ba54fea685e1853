"""The page follows the wizard: each step change scrolls its heading into view; an Edit from
the review offers a way straight back."""

from __future__ import annotations

from .conftest import walk_to


def scripts(wizard) -> list[str]:
    return [output["data"]["application/javascript"] for output in wizard.scroller.widget.outputs]


def test_next_and_back_scroll_the_steps_heading_into_view(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "connection")
    assert wizard.scroller.requests[-1] == "connection"
    (script,) = scripts(wizard)  # one script at a time: the latest step's
    assert "scrollIntoView" in script and wizard.scroller.marker in script
    assert wizard.scroller.marker in wizard.body._dom_classes
    wizard.back.click()
    assert wizard.scroller.requests[-1] == "basics" and '"basics"' in scripts(wizard)[0]


def test_edit_from_review_scrolls_there_and_offers_back_to_review(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "review")
    assert wizard.back_to_review.layout.display == "none"
    wizard.review.edit_buttons["rules"].click()
    assert wizard.current.name == "rules" and wizard.scroller.requests[-1] == "rules"
    assert wizard.back_to_review.layout.display != "none"
    wizard.next.click()  # moving on keeps the way back
    assert wizard.back_to_review.layout.display != "none"
    wizard.back_to_review.click()
    assert wizard.current.name == "review" and wizard.scroller.requests[-1] == "review"
    assert wizard.back_to_review.layout.display == "none"
