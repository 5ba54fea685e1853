"""XM Discover's expression language: syntax, vectorised evaluation, functions and dates."""
