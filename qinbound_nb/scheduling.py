"""(to be written: see DESIGN.md, layer of scheduling)."""
