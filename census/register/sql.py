"""The SQL of the register import: the staging table, the checks across rows, the upserts.

Plain SQL that runs unchanged on PostgreSQL and SQLite (3.33+ for ``UPDATE ... FROM``). Every
statement works on the whole staging table at once, so an import costs a handful of statements
whatever its size. ``census.register.service`` runs them in order inside one transaction.
"""

from __future__ import annotations

STAGING = "register_staging"
STAGING_COLUMNS = (
    "line",
    "kk_hash",
    "nik_hash",
    "sealed",
    "sex",
    "relationship",
    "village_code",
    "rt",
    "rw",
    "address",
    "reason",
)
#: The staging columns' PostgreSQL types, in order, for a binary ``COPY``.
STAGING_TYPES = ("int4", "bytea", "bytea", "bytea", *("text",) * 7)
#: What ``COPY`` also writes on PostgreSQL: each accepted row's place in its run of rows with the
#: same KK and details (from 0; ``census.register.staging.copy_data``).
COPY_COLUMNS = (*STAGING_COLUMNS, "position")
COPY_TYPES = (*STAGING_TYPES, "int4")


def staging_table(dialect: str) -> str:
    """``CREATE`` the staging table: temporary, so it is private to the import's connection."""
    blob, extra = ("bytea", " ON COMMIT DROP") if dialect == "postgresql" else ("blob", "")
    return (
        f"CREATE TEMPORARY TABLE {STAGING} (line integer NOT NULL, kk_hash {blob}, "
        f"nik_hash {blob}, sealed {blob}, sex text, relationship text, "
        f"village_code text, rt text, rw text, address text, reason text, position integer)"
        f"{extra}"
    )


FIRST_LINE_OF_KK = (
    f"SELECT kk_hash, MIN(line) AS line FROM {STAGING} WHERE reason IS NULL GROUP BY kk_hash"
)

#: The set-based checks, in order: each rejects only rows no earlier check rejected (except the
#: duplicate check, which looks at every readable row so that a file gives the same report on
#: every run). The import counts rejects by adding up what each statement updates, so every
#: check must set a reason only where there was none: the first by coming first (the rows a
#: check of one row alone rejected have no NIK hash), the others by ``reason IS NULL``.
CHECKS: tuple[tuple[str, str], ...] = (
    (
        "same NIK twice",
        f"""UPDATE {STAGING} SET reason = 'the same NIK is on line ' || CAST(d.first_line AS TEXT)
        FROM (SELECT nik_hash, MIN(line) AS first_line FROM {STAGING}
              WHERE nik_hash IS NOT NULL GROUP BY nik_hash HAVING COUNT(*) > 1) AS d
        WHERE {STAGING}.nik_hash = d.nik_hash AND {STAGING}.line > d.first_line""",
    ),
    (
        "unknown village",
        f"""UPDATE {STAGING}
        SET reason = 'village_code is not a village in the loaded region codes'
        WHERE reason IS NULL AND NOT EXISTS (
            SELECT 1 FROM region r WHERE r.code = {STAGING}.village_code AND r.level = 4)""",
    ),
    (
        "NIK in another household",
        f"""UPDATE {STAGING}
        SET reason = 'nik: this NIK is already in the register under another KK'
        WHERE reason IS NULL AND EXISTS (
            SELECT 1 FROM member m JOIN household h ON h.id = m.household_id
            WHERE m.nik_hash = {STAGING}.nik_hash AND h.kk_hash <> {STAGING}.kk_hash)""",
    ),
    (
        "household rows disagree",
        f"""UPDATE {STAGING}
        SET reason = 'the household details differ from line ' || CAST(f.line AS TEXT)
            || ' of the same KK: ' || rtrim(
               CASE WHEN {STAGING}.village_code <> f.village_code
                    THEN 'village_code, ' ELSE '' END
            || CASE WHEN {STAGING}.rt <> f.rt THEN 'rt, ' ELSE '' END
            || CASE WHEN {STAGING}.rw <> f.rw THEN 'rw, ' ELSE '' END
            || CASE WHEN {STAGING}.address <> f.address THEN 'address, ' ELSE '' END, ', ')
        FROM (SELECT s.kk_hash, s.line, s.village_code, s.rt, s.rw, s.address
              FROM {STAGING} s JOIN ({FIRST_LINE_OF_KK}) AS m
              ON m.kk_hash = s.kk_hash AND m.line = s.line) AS f
        WHERE {STAGING}.kk_hash = f.kk_hash AND {STAGING}.reason IS NULL
          AND {STAGING}.line <> f.line
          AND ({STAGING}.village_code <> f.village_code OR {STAGING}.rt <> f.rt
               OR {STAGING}.rw <> f.rw OR {STAGING}.address <> f.address)""",
    ),
    (
        "two heads in the file",
        f"""UPDATE {STAGING}
        SET reason = 'this KK already has a head (Kepala Keluarga) on line '
            || CAST(f.line AS TEXT)
        FROM (SELECT kk_hash, MIN(line) AS line FROM {STAGING}
              WHERE reason IS NULL AND relationship = 'kepala_keluarga' GROUP BY kk_hash) AS f
        WHERE {STAGING}.kk_hash = f.kk_hash AND {STAGING}.reason IS NULL
          AND {STAGING}.relationship = 'kepala_keluarga' AND {STAGING}.line > f.line""",
    ),
    (
        "another head in the register",
        f"""UPDATE {STAGING}
        SET reason = 'this KK already has another head (Kepala Keluarga) in the register'
        WHERE reason IS NULL AND relationship = 'kepala_keluarga' AND EXISTS (
            SELECT 1 FROM household h JOIN member m ON m.household_id = h.id
            WHERE h.kk_hash = {STAGING}.kk_hash AND m.relationship_code = 'kepala_keluarga'
              AND m.nik_hash <> {STAGING}.nik_hash
              AND NOT EXISTS (SELECT 1 FROM {STAGING} s
                              WHERE s.nik_hash = m.nik_hash AND s.reason IS NULL))""",
    ),
)

#: Checks against rows already in the register (skipped when it is empty).
REGISTER_CHECKS = {"NIK in another household", "another head in the register"}

#: The two checks within a household, in the order of ``CHECKS``, one after the other.
HOUSEHOLD_CHECKS = ("household rows disagree", "two heads in the file")
#: Whether either of ``HOUSEHOLD_CHECKS`` could reject a row: some KK's rows still accepted
#: differ in the household's details or name two heads. Nearly every file has none, and this
#: one pass over the staging table costs less than the four the two checks make (values agree
#: when the smallest is the largest).
HOUSEHOLD_CONFLICT = f"""SELECT EXISTS (
    SELECT 1 FROM {STAGING} WHERE reason IS NULL GROUP BY kk_hash
    HAVING MIN(village_code) <> MAX(village_code) OR MIN(rt) <> MAX(rt)
        OR MIN(rw) <> MAX(rw) OR MIN(address) <> MAX(address)
        OR COUNT(CASE WHEN relationship = 'kepala_keluarga' THEN 1 END) > 1)"""

#: One row per KK: the household's details. After the checks every accepted row of a KK has
#: those of its first accepted line (the others were rejected as differing), so one pass that
#: takes any of them will do, rather than finding the first line and joining it back.
KK_ROWS = f"""SELECT kk_hash, MIN(village_code) AS village_code, MIN(rt) AS rt, MIN(rw) AS rw,
    MIN(address) AS address
FROM {STAGING} WHERE reason IS NULL GROUP BY kk_hash"""

# The upserts are an UPDATE of what differs plus an INSERT of what is missing, rather than
# INSERT ... ON CONFLICT: PostgreSQL's speculative insertion costs more per row, and the two
# statements count what was added and what was changed for the report.
UPDATE_HOUSEHOLDS = f"""
UPDATE household SET
    village_code = s.village_code, district_code = substr(s.village_code, 1, 8),
    regency_code = substr(s.village_code, 1, 5), province_code = substr(s.village_code, 1, 2),
    rt = s.rt, rw = s.rw, address = s.address
FROM ({KK_ROWS}) AS s
WHERE household.kk_hash = s.kk_hash
  AND (household.village_code <> s.village_code OR household.rt <> s.rt
       OR household.rw <> s.rw OR household.address <> s.address)
"""

INSERT_HOUSEHOLDS = f"""
INSERT INTO household (kk_hash, village_code, district_code, regency_code, province_code,
                       rt, rw, address)
SELECT s.kk_hash, s.village_code, substr(s.village_code, 1, 8), substr(s.village_code, 1, 5),
       substr(s.village_code, 1, 2), s.rt, s.rw, s.address
FROM ({KK_ROWS}) AS s
WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.kk_hash = s.kk_hash)
ORDER BY s.village_code
"""
# (Inserting in village order, and members in household order, lets the village-prefixed indexes
# and the foreign-key checks find their pages already in cache: about a fifth less work.)

#: Accepted persons with their household's id. ``sealed`` is the name and birth date, sealed
#: deterministically and bound to the NIK's hash: the same card under the same key gives the same
#: bytes, so comparing them tells what changed without opening anything.
MEMBER_ROWS = f"""SELECT h.id AS household_id, s.line, s.nik_hash, s.sealed, s.sex, s.relationship
FROM {STAGING} s JOIN household h ON h.kk_hash = s.kk_hash
WHERE s.reason IS NULL"""

# A person's place on the card is set when they are added (after those already there, in file
# order) and left alone afterwards: a file that covers part of a household, or that has a row
# rejected, must not reshuffle the others.
UPDATE_MEMBERS = f"""
UPDATE member SET
    sealed = s.sealed, sex = s.sex, relationship_code = s.relationship
FROM ({MEMBER_ROWS}) AS s
WHERE member.nik_hash = s.nik_hash AND member.household_id = s.household_id
  AND (member.sealed <> s.sealed OR member.sex <> s.sex
       OR member.relationship_code <> s.relationship)
"""

INSERT_MEMBERS = f"""
INSERT INTO member (household_id, nik_hash, sealed, sex, relationship_code, position)
SELECT s.household_id, s.nik_hash, s.sealed, s.sex, s.relationship,
       COALESCE(t.top, -1) + ROW_NUMBER() OVER (PARTITION BY s.household_id ORDER BY s.line)
FROM ({MEMBER_ROWS}) AS s
LEFT JOIN (SELECT m.household_id, MAX(m.position) AS top
           FROM member m JOIN household h ON h.id = m.household_id
           WHERE h.kk_hash IN (SELECT kk_hash FROM {STAGING} WHERE reason IS NULL)
           GROUP BY m.household_id) AS t ON t.household_id = s.household_id
WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.nik_hash = s.nik_hash)
ORDER BY s.household_id
"""

#: A first load whose every KK is one run of rows in the file, none rejected by a check across
#: rows (``census.register.seen.Seen``): each household is the row at position 0 of its run
#: and each person's place on the card is their position, so neither statement groups or sorts
#: the staging table (a tenth of such an import's time).
ONE_PASS_HOUSEHOLDS = f"""
INSERT INTO household (kk_hash, village_code, district_code, regency_code, province_code,
                       rt, rw, address)
SELECT kk_hash, village_code, substr(village_code, 1, 8), substr(village_code, 1, 5),
       substr(village_code, 1, 2), rt, rw, address
FROM {STAGING} WHERE reason IS NULL AND position = 0
ORDER BY village_code
"""
ONE_PASS_MEMBERS = f"""
INSERT INTO member (household_id, nik_hash, sealed, sex, relationship_code, position)
SELECT h.id, s.nik_hash, s.sealed, s.sex, s.relationship, s.position
FROM {STAGING} s JOIN household h ON h.kk_hash = s.kk_hash
WHERE s.reason IS NULL
"""
