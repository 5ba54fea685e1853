"""The pure job model: one pydantic model per wizard step.

Also the naming rules, the rule-file syntax and the vocabulary (one enum per domain word).
"""
