"""Synthetic households: realistic shapes, ages and names, with obviously synthetic numbers.

Numbers follow Dukcapil's structure (region of registration, date, serial; +40 on a woman's birth
day) so every check in ``census.core.identity`` passes, but their serials are 9000-9999 (the same
convention as the test factories): no real NIK or KK is ever printed by the demo. Everything is
drawn from one ``random.Random``, so a seed gives the same register on the same day.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from census.register.names import BALINESE_ORDER, BY_PROVINCE, MIXED, STREETS, TRADITIONS, Tradition
from census.register.rows import COLUMNS

SYNTHETIC_SERIALS = range(9000, 10000)
#: Household shapes and their shares, roughly as the 2020 census found them.
SHAPES = {"single": 10, "couple": 14, "nuclear": 48, "single_parent": 10, "three_generations": 18}


@dataclass
class Person:
    """One synthetic member of a household."""

    nik: str
    name: str
    sex: str
    born: date
    relationship: str


@dataclass
class DemoHousehold:
    """One synthetic family card."""

    kk: str
    village_code: str
    rt: str
    rw: str
    address: str
    shape: str
    members: list[Person] = field(default_factory=list)


def _age_to_birth(rng: random.Random, today: date, age: int) -> date:
    return today - timedelta(days=age * 365 + rng.randrange(365))


class Generator:
    """Draw households for a list of villages; numbers are unique within one generator."""

    def __init__(self, rng: random.Random, villages: Sequence[str], today: date) -> None:
        self.rng, self.villages, self.today = rng, list(villages), today
        self.used: set[str] = set()
        self.layout: dict[str, tuple[int, int, str]] = {}

    def number(self, prefix: str) -> str:
        """A 16-digit number with a synthetic serial not handed out before."""
        for _ in range(50):
            candidate = prefix + f"{self.rng.choice(SYNTHETIC_SERIALS):04d}"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise RuntimeError("synthetic serials exhausted for one date and district")

    def nik(self, district: str, sex: str, born: date) -> str:
        """A NIK first registered in ``district`` (dotted), coded for ``sex`` and ``born``."""
        day = born.day + (40 if sex == "P" else 0)
        return self.number(f"{district.replace('.', '')}{day:02d}{born:%m%y}")

    def kk(self, district: str, members: Iterable[Person]) -> str:
        """A KK number issued in ``district`` on a date that is nobody's birthday in it."""
        births = {p.born.strftime("%d%m%y") for p in members}
        while True:
            issued = self.today - timedelta(days=self.rng.randrange(60, 365 * 18))
            if issued.strftime("%d%m%y") not in births:
                return self.number(f"{district.replace('.', '')}{issued:%d%m%y}")

    def tradition(self, village: str) -> tuple[str, Tradition]:
        weights = BY_PROVINCE.get(village[:2], MIXED)
        name = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        return name, TRADITIONS[name]

    def name(
        self, kind: str, tradition: Tradition, sex: str, family: str | None, order: int = 0
    ) -> str:
        """A name in ``tradition``; ``family`` is the marga or clan the person carries."""
        rng = self.rng
        given = rng.choice(tradition.male if sex == "L" else tradition.female)
        if kind == "balinese":
            return f"{'I' if sex == 'L' else 'Ni'} {BALINESE_ORDER[order % 4]} {given}"
        if family:
            return f"{given} {family}"
        if rng.random() < tradition.one_word:
            return given
        second = tradition.second_male if sex == "L" else tradition.second_female
        if second and rng.random() < 0.8:
            other = rng.choice(second)
            if other in ("Andi", "Daeng", "Muh.", "Sitti"):  # Bugis titles and forms go first
                return f"{other} {given}"
            if other != given:
                return f"{given} {other}"
        return f"{given} {rng.choice(tradition.male if sex == 'L' else tradition.female)}"

    def place(self, village: str) -> tuple[str, str, str]:
        """RT, RW and a street address in ``village`` (villages keep their own street names)."""
        rng = self.rng
        if village not in self.layout:
            self.layout[village] = (rng.randint(1, 8), rng.randint(2, 7), rng.choice(STREETS))
        rws, rts, street = self.layout[village]
        style = rng.random()
        if style < 0.55:
            address = f"Jl. {street} No. {rng.randint(1, 120)}"
        elif style < 0.75:
            address = f"Gg. {rng.choice(STREETS)} No. {rng.randint(1, 40)}"
        elif style < 0.9:
            address = f"Dusun {rng.choice(STREETS)}"
        else:
            address = (
                f"Perum {rng.choice(STREETS)} Asri Blok {rng.choice('ABCDE')}-{rng.randint(1, 30)}"
            )
        return f"{rng.randint(1, rts):03d}", f"{rng.randint(1, rws):03d}", address

    def household(self, village: str) -> DemoHousehold:
        """One household of a shape drawn from ``SHAPES``."""
        rng, today = self.rng, self.today
        shape = rng.choices(list(SHAPES), weights=list(SHAPES.values()))[0]
        kind, tradition = self.tradition(village)
        district = village[:8]
        clan = rng.choice(tradition.family) if tradition.family else None
        people: list[tuple[str, str, date, str]] = []  # name, sex, born, relationship

        def add(
            sex: str, age: int, relationship: str, family: str | None, order: int | None = None
        ) -> date:
            born = _age_to_birth(rng, today, age)
            order = rng.randrange(4) if order is None else order
            people.append((self.name(kind, tradition, sex, family, order), sex, born, relationship))
            return born

        def wife_clan() -> str | None:
            return rng.choice(tradition.family) if tradition.family and kind == "batak" else clan

        def children(mother_age: int, count: int, family: str | None) -> None:
            age = mother_age - rng.randint(19, 30)
            for order in range(count):
                if age < 0:
                    break
                add(rng.choice("LP"), age, "Anak", family, order)
                age -= rng.randint(2, 6)

        if shape == "single":
            old = rng.random() < 0.5
            add(
                rng.choice("LPP" if old else "LLP"),
                rng.randint(60, 88) if old else rng.randint(21, 35),
                "Kepala Keluarga",
                clan,
            )
        elif shape == "couple":
            head_age = rng.choice((rng.randint(22, 32), rng.randint(55, 80)))
            add("L", head_age, "Kepala Keluarga", clan)
            add("P", max(18, head_age - rng.randint(0, 7)), "Istri", wife_clan())
        elif shape == "nuclear":
            head_age = rng.randint(26, 58)
            wife_age = max(20, head_age - rng.randint(0, 6))
            add("L", head_age, "Kepala Keluarga", clan)
            add("P", wife_age, "Istri", wife_clan())
            children(wife_age, rng.choices((1, 2, 3, 4, 5), (22, 38, 25, 10, 5))[0], clan)
        elif shape == "single_parent":
            sex = "P" if rng.random() < 0.8 else "L"
            age = rng.randint(28, 60)
            add(sex, age, "Kepala Keluarga", clan if sex == "L" else wife_clan())
            children(age, rng.randint(1, 3), clan)
        else:
            if rng.random() < 0.5:  # grandparents head the card; a married child lives with them
                head_age = rng.randint(50, 72)
                add("L", head_age, "Kepala Keluarga", clan)
                add("P", head_age - rng.randint(0, 6), "Istri", wife_clan())
                child_age = head_age - rng.randint(22, 30)
                child_sex = rng.choice("LP")
                add(child_sex, child_age, "Anak", clan)
                in_law = rng.choice(tradition.family) if tradition.family else None
                add("P" if child_sex == "L" else "L", child_age, "Menantu", in_law)
                age = max(0, child_age - rng.randint(20, 26))
                for order in range(rng.randint(1, 3)):
                    if age < 0:
                        break
                    add(rng.choice("LP"), age, "Cucu", clan if child_sex == "L" else in_law, order)
                    age -= rng.randint(2, 5)
            else:  # a young family with a widowed parent
                head_age = rng.randint(30, 48)
                wife_age = head_age - rng.randint(0, 5)
                add("L", head_age, "Kepala Keluarga", clan)
                add("P", wife_age, "Istri", wife_clan())
                children(wife_age, rng.randint(1, 3), clan)
                add(
                    rng.choice("PPL"),
                    head_age + rng.randint(22, 32),
                    rng.choice(("Orang Tua", "Mertua")),
                    None,
                )

        members = []
        for name, sex, born, relationship in people:
            registered = district if rng.random() < 0.85 else rng.choice(self.villages)[:8]
            members.append(Person(self.nik(registered, sex, born), name, sex, born, relationship))
        rt, rw, address = self.place(village)
        return DemoHousehold(self.kk(district, members), village, rt, rw, address, shape, members)

    def households(self, count: int) -> Iterator[DemoHousehold]:
        """``count`` households spread over the villages, some villages busier than others."""
        weights = [self.rng.uniform(0.3, 2.0) for _ in self.villages]
        for village in self.rng.choices(self.villages, weights=weights, k=count):
            yield self.household(village)


def pick_villages(rng: random.Random, villages: Sequence[str], households: int) -> list[str]:
    """About one village for every 12 households, spread evenly over the sorted codes."""
    wanted = max(1, min(len(villages), households // 12 or 1))
    step = len(villages) / wanted
    offset = rng.random() * step
    return [villages[int(offset + i * step)] for i in range(wanted)]


def write_csv(path: Path, households: Iterable[DemoHousehold]) -> int:
    """Write households as a register CSV (the import format); returns the persons written."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for h in households:
            for p in h.members:
                writer.writerow(
                    (
                        h.kk,
                        p.nik,
                        p.name,
                        p.sex,
                        p.born.isoformat(),
                        p.relationship,
                        h.village_code,
                        h.rt,
                        h.rw,
                        h.address,
                    )
                )
                count += 1
    return count
