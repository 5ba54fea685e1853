"""Per-user state: the home folder, saved connections and tokens.

Also the QINBOUND_* settings, read in one place.
"""
