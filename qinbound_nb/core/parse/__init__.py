"""Reading Qualtrics exports (JSON, NDJSON, CSV, IDP CSV, tickets) into Arrow-backed chunks."""
