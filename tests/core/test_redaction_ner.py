"""rules.ner_model: a spaCy pipeline's PERSON entities join the built-in detectors.

The pipeline is trained here, on generated sentences, in a few seconds: nothing is
downloaded. It learns names the built-in lexicon does not hold, in positions with no cue.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
import spacy  # a test dependency: this path must run, not skip

from qinbound_nb import RedactionRules, redact
from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Rules

NAMES = ("Zorwyn", "Quillet", "Brannoch", "Tevrasse", "Olumide", "Jaskier")
FRAMES = ("{} fixed the router.", "{} fixed my bill.", "{} sorted it out.", "{} was kind.")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    from spacy.training import Example

    rng = random.Random(3)
    spacy.util.fix_random_seed(3)  # the weights, whatever other tests did to numpy's state
    nlp = spacy.blank("en")
    nlp.add_pipe("ner").add_label("PERSON")
    examples = []
    for _ in range(60):
        frame, name = rng.choice(FRAMES), rng.choice(NAMES)
        start = frame.index("{}")
        text = frame.format(name)
        entities = [(start, start + len(name), "PERSON")]
        examples.append(Example.from_dict(nlp.make_doc(text), {"entities": entities}))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(12):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.1)
    folder = tmp_path_factory.mktemp("ner") / "tiny"
    nlp.to_disk(folder)
    return str(folder)


def test_the_models_names_join_the_built_in_ones(tiny_model: str) -> None:
    texts = pd.Series(["Quillet fixed my bill.", "thanks to Sarah Miller", "all good"])
    builtin = redact(texts, RedactionRules(pii=("person",), mask_style="typed"))
    assert builtin.text.tolist() == ["Quillet fixed my bill.", "thanks to [PERSON]", "all good"]
    rules = RedactionRules(pii=("person",), mask_style="typed", ner_model=tiny_model)
    joined = redact(texts, rules)
    assert joined.text.tolist() == ["[PERSON] fixed my bill.", "thanks to [PERSON]", "all good"]
    assert joined.counts["person"] == 2


def test_the_model_adds_nothing_to_kinds_that_are_off(tiny_model: str) -> None:
    rules = RedactionRules(pii=("email",), ner_model=tiny_model)
    assert redact(pd.Series(["Zorwyn was kind."]), rules).text[0] == "Zorwyn was kind."


def test_a_model_that_is_not_installed_fails_validation(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not installed"):
        RedactionRules.from_config(Rules(pii=["person"], ner_model="en_no_such_pipeline"))
