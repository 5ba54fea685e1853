"""The pure job model: one pydantic model per wizard step, naming rules, rule-file syntax, the vocabulary."""
