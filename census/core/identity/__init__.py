"""NIK and KK numbers: normalise, check, explain what is wrong, and hash.

``parse`` reads a typed number, ``numbers`` holds what was read, ``errors`` the messages and
``hashing`` the keyed hashes that the database looks numbers up by.

Why not just ``stdnum.id.nik.validate``: it rejects a region prefix missing from its bundled list
(a NIK keeps the prefix of a region that may since have been split or renamed), picks the century
by a fixed rule (a child born 2010 becomes 1910), lets ``% 40`` pass days 81-99, raises bare
exceptions nobody can act on, and knows nothing of KK numbers. We use stdnum's ``compact`` to fold
Unicode look-alikes (full-width digits, en dashes) and keep the checks to slicing and ``int()``:
``parse_nik`` runs once per row of million-row imports.

Messages are lazy strings with English msgids, so they can be built outside a request and are
translated when shown. No message or ``repr`` holds the number: it is population data (UU 24/2013).
"""

from census.core.identity.errors import IdentifierError, Mismatch
from census.core.identity.hashing import keyed_hash, keyed_hasher, scoped_hash
from census.core.identity.numbers import Kind, KkResult, NikResult, Sex
from census.core.identity.parse import (
    PairResult,
    check_pair,
    cross_check,
    normalise,
    parse_kk,
    parse_nik,
    quick_pair,
    quick_valid_nik,
)

__all__ = [
    "IdentifierError",
    "Kind",
    "KkResult",
    "Mismatch",
    "NikResult",
    "PairResult",
    "Sex",
    "check_pair",
    "cross_check",
    "keyed_hash",
    "keyed_hasher",
    "normalise",
    "parse_kk",
    "parse_nik",
    "quick_pair",
    "quick_valid_nik",
    "scoped_hash",
]
