"""The ground truth file, written as the datasets stream out.

``ground_truth/truth.json`` is for evaluating the product (linkage, group detection, safeguarding
alerts); nothing in the product reads it, and no mapping refers to it. Record entries are written one
per line as each row is written, so memory stays flat at large sizes. Besides the fields named in the
brief it carries ``vehicles``, ``phones`` and ``businesses`` tables, and for a person party whose
address is written in the row, a key ``"<party>.address"`` with the premises id behind that address.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from crimelink.demo.geography import TOWN
from crimelink.demo.scenario_kit import GroupTruth
from crimelink.demo.spec import Truth
from crimelink.demo.world import REFERENCE_DATE, World


@dataclass(frozen=True)
class QuarantineExpectation:
    """A deliberately broken row and its field.

    ``row`` is the row number as a person (and the importer's quarantine) sees it: the spreadsheet row
    or CSV line with the header as row 1, or the line of a JSON Lines file. ``data_row`` counts data
    rows only (1 = the first row after any header).
    """

    file: str
    row: int
    data_row: int
    record_id: str
    column: str
    field: str
    target: str

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "data_row": self.data_row,
            "record_id": self.record_id,
            "column": self.column,
            "field": self.field,
            "target": self.target,
        }


class TruthWriter:
    def __init__(self, path: Path, world: World, *, seed: int, size: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._world = world
        self._file: TextIO = path.open("w", encoding="utf-8", newline="\n")
        self._first = True
        self._seen = {
            "P": bytearray(len(world.persons) + 1),
            "H": bytearray(len(world.premises) + 1),
            "V": bytearray(len(world.vehicles) + 1),
            "T": bytearray(len(world.phones.all()) + 1),
            "B": bytearray(len(world.businesses) + 1),
        }
        header = {
            "seed": seed,
            "size": size,
            "reference_date": REFERENCE_DATE.isoformat(),
            "phones_reused_across_unrelated_people": world.phones.reused,
        }
        self._file.write("{\n" + json.dumps(header)[1:-1] + ',\n"records": {')

    def record(self, key: str, truth: Truth) -> None:
        separator = "\n" if self._first else ",\n"
        self._first = False
        self._file.write(f"{separator}{json.dumps(key)}: {json.dumps(truth, separators=(',', ':'))}")
        for value in truth.values():
            self._seen[value[0]][int(value[1:])] = 1

    def mark(self, ids: list[str]) -> None:
        """Put these people, premises, vehicles, phones or businesses in the tables (``P000012``, ...)."""
        for value in ids:
            self._seen[value[0]][int(value[1:])] = 1

    def businesses_seen(self) -> set[int]:
        """Indexes of the businesses some row written so far mentions."""
        seen = self._seen["B"]
        return {index for index in range(1, len(seen)) if seen[index]}

    def finish(
        self,
        groups: list[GroupTruth],
        exploited: list[str],
        quarantine: list[QuarantineExpectation],
        *,
        deconfliction: dict[str, object] | None = None,
    ) -> None:
        """Write the entity tables, groups, exploited people, the deconfliction scenarios' expected
        conflicts and the expected quarantine, then close."""
        self._mark_related(groups)
        write = self._file.write
        write("\n},\n")
        self._table("persons", self._persons())
        self._table("premises", self._premises())
        self._table("vehicles", self._vehicles())
        self._table("phones", self._phones())
        self._table("businesses", self._businesses())
        write('"groups": [\n' + ",\n".join(json.dumps(g.to_json()) for g in groups) + "\n],\n")
        write(f'"exploited": {json.dumps(exploited)},\n')
        if deconfliction is not None:
            write(f'"deconfliction": {json.dumps(deconfliction)},\n')
        write(
            '"expected_quarantine": [\n'
            + ",\n".join(json.dumps(q.to_json()) for q in quarantine)
            + "\n]\n}\n"
        )
        self._file.close()

    def _mark_related(self, groups: list[GroupTruth]) -> None:
        seen, world = self._seen, self._world
        for group in groups:
            for person, _ in group.members:
                seen["P"][person.index] = 1
            for ids, letter in (
                ([p.index for p in group.premises], "H"),
                ([v.index for v in group.vehicles], "V"),
                ([p.index for p in group.phones], "T"),
                ([b.index for b in group.businesses + group.victim_businesses], "B"),
            ):
                for index in ids:
                    seen[letter][index] = 1
        for business in world.businesses:
            if seen["B"][business.index]:
                seen["P"][business.owner.index] = seen["H"][business.premises.index] = 1
                if business.phone:
                    seen["T"][business.phone.index] = 1
        for vehicle in world.vehicles:
            if seen["V"][vehicle.index] and vehicle.keeper is not None:
                seen["P"][vehicle.keeper.index] = 1
        for person in world.persons:
            if seen["P"][person.index]:
                seen["H"][person.home.index] = 1
                if person.phone:
                    seen["T"][person.phone.index] = 1
                if person.vehicle:
                    seen["V"][person.vehicle.index] = 1

    def _table(self, name: str, entries: Iterator[tuple[str, dict[str, object]]]) -> None:
        write = self._file.write
        write(f'"{name}": {{')
        separator = "\n"
        for key, value in entries:
            write(f"{separator}{json.dumps(key)}: {json.dumps(value)}")
            separator = ",\n"
        write("\n},\n")

    def _persons(self) -> Iterator[tuple[str, dict[str, object]]]:
        seen = self._seen["P"]
        return (
            (
                p.id,
                {
                    "given_name": p.given,
                    "middle_names": p.middle,
                    "family_name": p.family,
                    "dob": p.dob.isoformat(),
                    "is_child": p.is_child,
                    "vulnerable_adult": p.vulnerable,
                    "home": p.home.id,
                    "phone": p.phone.id if p.phone else None,
                    "vehicle": p.vehicle.id if p.vehicle else None,
                    "nino": p.nino or None,
                },
            )
            for p in self._world.persons
            if seen[p.index]
        )

    def _premises(self) -> Iterator[tuple[str, dict[str, object]]]:
        seen = self._seen["H"]
        return (
            (
                h.id,
                {
                    "address": f"{h.line()}, {TOWN}",
                    "postcode": h.postcode,
                    "uprn": h.uprn,
                    "lat": h.lat,
                    "lon": h.lon,
                    "ward": h.ward.name,
                    "ward_code": h.ward.code,
                    "commercial": h.commercial,
                },
            )
            for h in self._world.premises
            if seen[h.index]
        )

    def _vehicles(self) -> Iterator[tuple[str, dict[str, object]]]:
        seen = self._seen["V"]
        return (
            (
                v.id,
                {
                    "vrm": v.vrm,
                    "make": v.make,
                    "model": v.model,
                    "colour": v.colour,
                    "keeper": v.keeper.id if v.keeper else None,
                },
            )
            for v in self._world.vehicles
            if seen[v.index]
        )

    def _phones(self) -> Iterator[tuple[str, dict[str, object]]]:
        seen = self._seen["T"]
        return (
            (t.id, {"number": t.number, "e164": t.e164}) for t in self._world.phones.all() if seen[t.index]
        )

    def _businesses(self) -> Iterator[tuple[str, dict[str, object]]]:
        seen = self._seen["B"]
        return (
            (
                b.id,
                {
                    "name": b.name,
                    "sector": b.sector,
                    "company_number": b.company_number or None,
                    "premises": b.premises.id,
                    "owner": b.owner.id,
                    "phone": b.phone.id if b.phone else None,
                    "handle": b.handle or None,
                    "waste_carrier_registration": b.waste_carrier_registration or None,
                },
            )
            for b in self._world.businesses
            if seen[b.index]
        )
