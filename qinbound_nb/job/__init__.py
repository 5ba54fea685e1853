"""The pure job model: one pydantic model per wizard step.

Also the naming rules, the rule-file syntax, the vocabulary (one enum per domain word) and
the one reading of pydantic's ValidationError (validation.py).
"""
