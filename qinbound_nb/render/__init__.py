"""Preview rendering: escaped HTML tables, highlights and small charts (no widgets)."""
