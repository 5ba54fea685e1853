"""Every function of the expression language by name, with how many arguments it takes.

The parser checks calls against this table before any data is seen, without loading the
implementations (pyarrow) that :mod:`.functions` and :mod:`.dates` attach to these names;
``qinbound validate`` stays cheap that way.
"""

from __future__ import annotations

ONE = (1, 1)
ARITY: dict[str, tuple[int, int | None]] = {
    "ISBLANK": ONE,
    "CONTAINS": (2, 2),
    "STARTSWITH": (2, 2),
    "ENDSWITH": (2, 2),
    "UPPER": ONE,
    "LOWER": ONE,
    "TRIM": ONE,
    "LEN": ONE,
    "LEFT": (2, 2),
    "RIGHT": (2, 2),
    "MID": (3, 3),
    "REPLACE": (3, 3),
    "CONCAT": (1, None),
    "TEXT": ONE,
    "NUMBER": ONE,
    "IF": (3, 3),
    "COALESCE": (1, None),
    "ABS": ONE,
    "FLOOR": ONE,
    "CEILING": ONE,
    "ROUND": (1, 2),
    "DATE": ONE,
    "YEAR": ONE,
    "MONTH": ONE,
    "DAY": ONE,
    "HOUR": ONE,
    "MINUTE": ONE,
    "WEEKDAY": ONE,
    "DATEADD": (3, 3),
    "DATEDIFF": (2, 3),
    "DATEFORMAT": (1, 2),
    "NOW": (0, 0),
    "TODAY": (0, 0),
}
