"""Write the DUO-format sample files in ``tests/fixtures/duo/`` (deterministic).

The samples have the shape of the real DUO open-data files — ``;``, CRLF, Windows-1252, padded
values, header quirks — with invented school names, streets and numbers placed in real
municipalities and PC4 areas from the reference tables:

- ``vestigingenbo.csv``: 2023+ header, 200 locations over every province and police unit;
- ``besturenbo.csv``: boards (one of those the locations name is missing, one has no school);
- ``vestigingenso.csv``: special education (SBAO, SO and (V)SO are taken, VSO is skipped);
- ``alle-vestigingen-basisonderwijs.csv``: the older header, with municipality codes that
  have since merged into others.

Run ``.venv/bin/python scripts/make_duo_fixtures.py`` after changing it; commit the output.
"""

from __future__ import annotations

import csv
import random
import re
import string
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "schoolalert" / "schools" / "data"
OUT = ROOT / "tests" / "fixtures" / "duo"

LOCATIONS_PER_UNIT = 20
# Special cases every sample must show.
HOUSE_NUMBERS = ["5-A", "128 -130", "43 - a", "2 -4", "1-BG", "27-A 29", "14-a", "7 - 9"]
MUST_HAVE = ["GM0518", "GM0796", "GM0363", "GM0402", "GM0362", "GM1959", "GM1961", "GM0080"]
# Former municipality codes and a PC4 of theirs: Bussum, Naarden (Gooise Meren, 2016),
# Dongeradeel (Noardeast-Fryslân, 2019), Haren (Groningen, 2019).
MERGED = [
    ("0381", "BUSSUM", "1401", "Noord-Holland"),
    ("0425", "NAARDEN", "1411", "Noord-Holland"),
    ("0058", "DONGERADEEL", "9101", "Friesland"),
    ("0017", "HAREN", "9751", "Groningen"),
]
# Province names as the older files spell them.
LEGACY_PROVINCE = {"Fryslân": "Friesland"}

PREFIXES = [
    "OBS",
    "CBS",
    "RKBS",
    "PCBS",
    "Basisschool",
    "IKC",
    "Daltonschool",
    "Montessorischool",
    "Jenaplanschool",
    "Kindcentrum",
    "SBS",
    "Dr. Schaepmanschool",
]
NAMES = [
    "De Regenboog",
    "'t Kompas",
    "De Wegwijzer",
    "De Vlinderboom",
    "Het Palet",
    "De Zonnewijzer",
    "De Springplank",
    "De Fontein",
    "De Bron",
    "De Klimop",
    "Het Mozaïek",
    "'t Hoekje",
    "De Lindeboom",
    "Daniëlschool",
    "Emmaüs",
    "De Kameleon",
    "Sint-Rémi",
    "Het Zeepaard",
    "De Meander",
    "De Zevensprong",
    "Noorderlicht",
    "De Pionier",
    "Het Octaaf",
    "De Wilgenstam",
    "Crêpeboom",
    "De Boomgaard",
]
STREETS = [
    "Kerk",
    "School",
    "Dorps",
    "Molen",
    "Linden",
    "Beuken",
    "Eiken",
    "Wilhelmina",
    "Juliana",
    "Oranje",
    "Prins Bernhard",
    "Burg. de Vries",
    "Meidoorn",
    "Esdoorn",
    "Kastanje",
    "Vijver",
    "Zuider",
    "Noorder",
    "Hoofd",
    "Ds. Bakker",
]
SUFFIXES = ["straat", "laan", "weg", "plein", "pad", "singel", "hof", "dreef"]
DENOMINATIONS = [
    "Openbaar",
    "Openbaar",
    "Rooms-Katholiek",
    "Protestants-Christelijk",
    "Algemeen bijzonder",
    "Reformatorisch",
    "Islamitisch",
    "Antroposofisch",
    "Hindoeïstisch",
    "Samenwerking PC, RK",
]
LETTERS = [
    a + b
    for a in string.ascii_uppercase
    for b in string.ascii_uppercase
    if a + b not in {"SA", "SD", "SS"}
]

CORRESPONDENCE = [
    "STRAATNAAM CORRESPONDENTIEADRES",
    "HUISNUMMER-TOEVOEGING CORRESPONDENTIEADRES",
    "POSTCODE CORRESPONDENTIEADRES",
    "PLAATSNAAM CORRESPONDENTIEADRES",
]
ADDRESS = [
    "STRAATNAAM",
    "HUISNUMMER-TOEVOEGING",
    "POSTCODE",
    "PLAATSNAAM",
    "GEMEENTENUMMER",
    "GEMEENTENAAM",
    "DENOMINATIE",
    "TELEFOONNUMMER",
    "INTERNETADRES",
    *CORRESPONDENCE,
]
# The header quirks of real files: a trailing space, spaces around a hyphen.
CURRENT_HEADER = [
    "PROVINCIE",
    "BEVOEGD GEZAG NUMMER",
    "INSTELLINGSCODE",
    "VESTIGINGSCODE",
    "VESTIGINGSNAAM ",
    *ADDRESS,
    "COROPGEBIED CODE",
    "RMC - REGIO CODE",
]
CURRENT_HEADER[CURRENT_HEADER.index("HUISNUMMER-TOEVOEGING")] = "HUISNUMMER - TOEVOEGING"
LEGACY_HEADER = [
    "PROVINCIE",
    "BEVOEGD GEZAG NUMMER",
    "BRIN NUMMER",
    "VESTIGINGSNUMMER",
    "VESTIGINGSNAAM ",
    *ADDRESS,
]
SO_HEADER = ["SOORT PRIMAIR ONDERWIJS", *CURRENT_HEADER[:-2]]
BOARDS_HEADER = [
    "BEVOEGD GEZAG NUMMER",
    "BEVOEGD GEZAG NAAM",
    *ADDRESS,
    "ADMINISTRATIEKANTOORNUMMER",
]


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    province: str
    unit: str


class Sample:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)  # noqa: S311 (fixtures, not secrets)
        with (DATA / "municipalities.csv").open(encoding="utf-8", newline="") as handle:
            self.places = [
                Place(row["code"], row["name"], row["province_name"], row["police_unit_code"])
                for row in csv.DictReader(handle)
            ]
        self.pc4s: dict[str, list[str]] = defaultdict(list)
        with (DATA / "postcode_areas.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                self.pc4s[row["municipality_code"]].append(row["pc4"])
        self.places = [place for place in self.places if self.pc4s[place.code]]
        self.institutions: list[str] = []
        self.boards = sorted({str(self.random.randint(10000, 99999)) for _ in range(12)})

    def pick(self, items: list[T]) -> T:
        return self.random.choice(items)

    def institution(self) -> str:
        while True:
            code = f"{self.random.randint(0, 99):02d}{self.pick(LETTERS)}"
            if code not in self.institutions:
                self.institutions.append(code)
                return code

    def municipalities(self) -> list[Place]:
        """Every province and notable case once, then up to 20 locations per police unit."""
        by_code = {place.code: place for place in self.places}
        chosen = [by_code[code] for code in MUST_HAVE]
        for province in sorted({place.province for place in self.places}):
            if not any(place.province == province for place in chosen):
                chosen.append(self.pick([p for p in self.places if p.province == province]))
        for unit in sorted({place.unit for place in self.places}):
            pool = [place for place in self.places if place.unit == unit]
            while sum(place.unit == unit for place in chosen) < LOCATIONS_PER_UNIT:
                chosen.append(self.pick(pool))
        return chosen

    def location(self, place: Place, number: int, pc4: str | None = None) -> dict[str, str]:
        """One location row (by column name) in ``place``; ``number`` picks special cases."""
        pc4 = pc4 or self.pick(self.pc4s[place.code])
        if number % 9 == 8:  # a second location of the previous institution
            institution, code = self.institutions[-1], self.institutions[-1] + "01"
        else:
            institution = self.institution()
            code = institution + "00"
        city = place.name.upper().replace("'S-", "S ").replace("'", "")
        name = f"{self.pick(PREFIXES)} {self.pick(NAMES)}"
        if number % 17 == 3:
            name = f'{name.split()[0]} "{" ".join(name.split()[1:])}"'  # quoted in the file
        house = HOUSE_NUMBERS[number] if number < len(HOUSE_NUMBERS) else self._house_number()
        row = {
            "PROVINCIE": place.province,
            "BEVOEGD GEZAG NUMMER": self.boards[number % len(self.boards)],
            "INSTELLINGSCODE": institution,
            "VESTIGINGSCODE": code,
            "VESTIGINGSNAAM": name,
            "STRAATNAAM": self.pick(STREETS) + self.pick(SUFFIXES),
            "HUISNUMMER-TOEVOEGING": house,
            "POSTCODE": f"{pc4} {self.pick(LETTERS)}",
            "PLAATSNAAM": city,
            "GEMEENTENUMMER": place.code.removeprefix("GM"),
            "GEMEENTENAAM": city,
            "DENOMINATIE": self.pick(DENOMINATIONS),
            "TELEFOONNUMMER": f"0{self.random.randint(100000000, 999999999)}",
            "INTERNETADRES": "" if number % 5 == 4 else f"www.{_slug(name)}.nl",
            "COROPGEBIED CODE": f"{self.random.randint(1, 40):02d}",
            "RMC-REGIO CODE": f"{self.random.randint(1, 39):02d}",
        }
        if number % 5 in {1, 3}:  # a PO box as correspondence address, as is common
            postbox = [f"Postbus {self.random.randint(1, 9999)}", "", f"{pc4} {self.pick(LETTERS)}"]
            row.update(dict(zip(CORRESPONDENCE, [*postbox, city], strict=True)))
        else:
            row.update(dict(zip(CORRESPONDENCE, [row[c] for c in ADDRESS[:4]], strict=True)))
        return row

    def _house_number(self) -> str:
        number = str(self.random.randint(1, 250))
        return number + self.pick(["", "", "", "", "-A", "-B", " -b", "-1"])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def pad(value: str, number: int) -> str:
    """Space padding as in the real files: web addresses to 80, some values on both sides."""
    if number % 4 == 0:
        return f" {value}  "
    return value + " " * (number % 3)


def write(out: Path, name: str, header: list[str], rows: list[dict[str, str]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    keys = [" ".join(column.replace(" - ", "-").split()) for column in header]
    with (out / name).open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for number, row in enumerate(rows):
            values = []
            for key in keys:
                value = row.get(key, "")
                if key == "INTERNETADRES":
                    value = value.ljust(80)
                elif key in {"VESTIGINGSNAAM", "STRAATNAAM", "PLAATSNAAM", "GEMEENTENAAM"}:
                    value = pad(value, number)
                values.append(value)
            writer.writerow(values)
    print(f"{out / name}: {len(rows)} rows")


def main(out: Path = OUT) -> None:
    sample = Sample(seed=4)
    places = sample.municipalities()
    locations = [sample.location(place, number) for number, place in enumerate(places)]
    # One location in a PC4 the reference table does not know: it is placed by municipality.
    amsterdam = next(place for place in places if place.code == "GM0363")
    known = set(sample.pc4s["GM0363"])
    unknown = next(str(pc4) for pc4 in range(1020, 1120) if str(pc4) not in known)
    locations.append(sample.location(amsterdam, len(locations), pc4=unknown))
    write(out, "vestigingenbo.csv", CURRENT_HEADER, locations)

    names = [
        "Stichting Openbaar Onderwijs",
        "Vereniging voor Christelijk Onderwijs",
        "Stichting Katholiek Primair Onderwijs",
        "Stichting Kindcentra",
        "Stichting Fluenta",
        "Stichting Scholengroep Noord",
        "Schoolbestuur Réveil",
        "Stichting Wereldwijs",
        "Vereniging Ons Belang",
        "Stichting Primair Onderwijs Zuid",
    ]
    boards = []
    for number, board in enumerate(sample.boards[1:], start=1):  # the first stays unnamed
        row = sample.location(sample.pick(places), number)
        row["BEVOEGD GEZAG NUMMER"] = board
        row["BEVOEGD GEZAG NAAM"] = f"{names[number % len(names)]} {row['PLAATSNAAM'].title()}"
        boards.append(row)
    boards.append(boards[-1] | {"BEVOEGD GEZAG NUMMER": "99001", "BEVOEGD GEZAG NAAM": "Nieuw"})
    write(out, "besturenbo.csv", BOARDS_HEADER, boards)

    kinds = ["SBAO"] * 5 + ["SO"] * 4 + ["(V)SO"] * 3 + ["VSO"] * 3
    special = []
    for number, kind in enumerate(kinds):
        row = sample.location(sample.pick(places), number + len(HOUSE_NUMBERS))
        row["SOORT PRIMAIR ONDERWIJS"] = kind
        row["VESTIGINGSNAAM"] = f"{'SBO' if kind == 'SBAO' else 'SO'} {sample.pick(NAMES)}"
        special.append(row)
    write(out, "vestigingenso.csv", SO_HEADER, special)

    legacy = []
    for number in range(20):
        row = sample.location(sample.pick(places), number)
        row["PROVINCIE"] = LEGACY_PROVINCE.get(row["PROVINCIE"], row["PROVINCIE"])
        legacy.append(
            row | {"VESTIGINGSNUMMER": row["VESTIGINGSCODE"], "BRIN NUMMER": row["INSTELLINGSCODE"]}
        )
    for number, (code, name, pc4, province) in enumerate(MERGED, start=20):
        row = sample.location(places[0], number + 1, pc4=pc4)
        row.update(
            {
                "PROVINCIE": province,
                "GEMEENTENUMMER": code,
                "GEMEENTENAAM": name,
                "PLAATSNAAM": name,
            }
        )
        legacy.append(
            row | {"VESTIGINGSNUMMER": row["VESTIGINGSCODE"], "BRIN NUMMER": row["INSTELLINGSCODE"]}
        )
    write(out, "alle-vestigingen-basisonderwijs.csv", LEGACY_HEADER, legacy)


if __name__ == "__main__":
    main()
