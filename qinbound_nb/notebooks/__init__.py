"""The parameterized production notebook: its cells, its export, and papermill runs of it."""
