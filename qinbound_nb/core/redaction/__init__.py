"""Redaction: substitutions, the built-in PII detectors and custom RE2 rules, with spans."""
