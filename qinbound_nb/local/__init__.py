"""Per-user state: the home folder, saved connections and their tokens, and the QINBOUND_* settings."""
