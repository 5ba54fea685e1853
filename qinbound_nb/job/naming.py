"""XM Discover's naming rules, and the id shapes that are safe to use as names and hosts.

Attribute system names (reference/xm-discover.md §3.5): English letters, digits and ``_``,
a letter first, at most 21 characters, no ``SC_``/``LU_`` prefix, not a reserved word. The
published reserved list breaks off; we reject the Oracle SQL reserved words it evidently
copies plus the ``CB_``/``CMP_`` system prefixes, all compared without case. Datacenter ids
are checked before they ever become part of a host name.
"""

from __future__ import annotations

import re

RESERVED_WORDS = frozenset(
    """ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT
    COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE
    EXCLUSIVE EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT
    INDEX INITIAL INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS
    MLSLABEL MODE MODIFY NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION
    OR ORDER PCTFREE PRIOR PRIVILEGES PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS
    SELECT SESSION SET SHARE SIZE SMALLINT START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO
    TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE
    WITH DATE_LAST_UPDATED DATE_LAST_UPDATED_ID""".split()  # noqa: SIM905
)
RESERVED_PREFIXES = ("SC_", "LU_", "CB_", "CMP_")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,20}")
DATACENTER_ID = re.compile(r"[a-z][a-z0-9]{1,11}")
SURVEY_ID = re.compile(r"SV_[A-Za-z0-9]{15}")
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,79}")
PROJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,62}")
CONNECTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,39}")
DURATION = re.compile(r"(\d{1,4})\s*([mhd])")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def check_attribute_name(name: str) -> str:
    """Return ``name`` if XM Discover accepts it as an attribute system name, else raise."""
    if not ATTRIBUTE_NAME.fullmatch(name):
        raise ValueError(
            f"attribute name {name!r} must start with a letter, use only English letters, "
            "digits and '_', and be at most 21 characters"
        )
    upper = name.upper()
    if upper.startswith(RESERVED_PREFIXES):
        raise ValueError(f"attribute name {name!r} may not start with SC_, LU_, CB_ or CMP_")
    if upper in RESERVED_WORDS:
        raise ValueError(f"attribute name {name!r} is a reserved word in XM Discover")
    return name


def check_datacenter(datacenter: str) -> str:
    """Return a datacenter id that is safe to put into a host name, else raise."""
    if not DATACENTER_ID.fullmatch(datacenter):
        raise ValueError(
            f"datacenter id {datacenter!r} must be a short lowercase id such as 'iad1', "
            "'fra1' or 'sandbox' (never a host name, URL or path); find it in Qualtrics under "
            "Account Settings → Qualtrics IDs"
        )
    return datacenter
