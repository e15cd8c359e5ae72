"""Registrable domains under the Public Suffix List: the one rule for "which domain does this
host belong to". Pure (no ORM); no network, ever.

The list is the snapshot shipped inside the ``publicsuffixlist`` package (its
``public_suffix_list.dat``, read from the package folder once per process; the package fetches
nothing unless its separate ``update`` module is run, which BZPEER never does). Upgrading
the package pin upgrades the list.

Used where an institution's email domains are derived from its homepage at import time
(works/openalex_parser.py) and where a claimant's address is compared with them
(claims/rules.py): both sides speak of registrable domains, so ``www.ac.uk`` can never make
every ``*.ac.uk`` address an institution's (``ac.uk`` is a public suffix).
"""

from __future__ import annotations

import functools
import ipaddress

from publicsuffixlist import PublicSuffixList


@functools.cache
def _psl() -> PublicSuffixList:
    # Parsing the bundled list takes a few tens of milliseconds: once per process.
    return PublicSuffixList()


def clean_host(host: str) -> str:
    """``Math.Example.EDU.`` -> ``math.example.edu``: lower case, no surrounding space or
    trailing dot."""
    return (host or "").strip().lower().rstrip(".")


def is_ip_address(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """The registrable domain ``host`` belongs to: one label more than its public suffix
    (``cs.ox.ac.uk`` -> ``ox.ac.uk``, ``www.example.edu`` -> ``example.edu``,
    ``lab.github.io`` -> ``lab.github.io``). "" when there is none: a public suffix itself
    (``ac.uk``, ``edu``, ``github.io``), a single label, an IP address, or not a host name
    (longer than 253 characters included)."""
    host = clean_host(host)
    if not host or len(host) > 253 or "." not in host or is_ip_address(host) or ".." in host or host.startswith("."):
        return ""  # 253: the longest a domain name can be (and the column's width)
    try:
        found = _psl().privatesuffix(host)
    except (ValueError, UnicodeError):  # e.g. a label IDNA cannot encode
        return ""
    return found or ""


def is_public_suffix(host: str) -> bool:
    """True for a domain under which anyone may register names (``ac.uk``, ``edu``,
    ``github.io``), as the Public Suffix List says; False for registrable domains and their
    subdomains."""
    host = clean_host(host)
    return bool(host) and not is_ip_address(host) and _psl().is_public(host)


def homepage_domain(host: str) -> str:
    """The domain whose addresses count as an institution's, from its homepage host: the
    registrable domain of the host without a leading ``www.``. "" when that is a public
    suffix (``https://www.ac.uk/`` -> "", ``https://www.cs.ox.ac.uk/`` -> ``ox.ac.uk``)."""
    host = clean_host(host)
    if host.startswith("www."):
        host = host[4:]
    return registrable_domain(host)
