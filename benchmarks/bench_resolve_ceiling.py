"""How far a linker can get on the demo borough when a record names a person and nothing else.

    python benchmarks/bench_resolve_ceiling.py --size 1000000 --workdir DIR [--json OUT]

Many demo records name a person and nothing else: a fly-tipping reporter, a licence holder, a
consignee, a carer. The demo picks that person from every adult in the borough, so where two or more of
its people bear the name, the name does not say which of them it is. The larger the borough, the more
names are shared.

This benchmark puts a figure on it from the ground truth. An *oracle* places every person party right
(it knows the truth) except a *name-only* party, one with no identifying field, whose exact given and
family name two or more true people bear in the store (*ambiguous*). Those it places only as a linker
reading the records could:

1. through the other parties on its record: where another party of that name, itself placed (not
   ambiguous), is on a record sharing one of them (the same true premises, business, vehicle, phone or
   person), and only one bearer of the name is seen so, the party goes to that bearer;
2. the rest are grouped by name and shared co-party (the same licence holder on a premises' licences)
   and each group is either left alone, or put with the bearer who holds most of that name's other
   parties (their true counts, which no linker knows) when that bearer holds at least a given share.

The best F1 over those choices is a ceiling for linkers that place a name-only party by its name and the
parties beside it; no claim is made beyond that. Identifying fields are any but the names and the
descriptive ones in ``DESCRIPTIVE`` (a relationship, a referral reason, warning markers...).
``--workdir`` shares its demo and loaded store with ``bench_resolve_demo.py``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from bench_resolve_demo import current_records, demo_store, iter_truth_records, pair_scores
from sqlalchemy import Engine

from crimelink.linkage.attach import UnionFind

#: A person's names: they say who it might be, not which of the people so named.
NAMES = frozenset({"full_name", "given_name", "family_name", "middle_names", "alias"})
#: Fields that describe the person's part in the record and identify nobody.
DESCRIPTIVE = frozenset(
    {
        "relationship",
        "referral_reason",
        "contact_category",
        "primary_support_reason",
        "warning_markers",
        "missing_episodes",
        "interview_notes",
        "cuckooing_risk",
    }
)
#: The oracle's guessing rule: put an ambiguous party with the top bearer when it holds this share or more.
SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True, slots=True)
class PersonParty:
    true_id: int
    name: tuple[str, str]  # (given, family) as normalised
    name_only: bool
    #: The true ids of the other parties on the same record ("H12", "B3", "P7"...).
    beside: frozenset[str] = frozenset()


def person_party(true_id: int, fields: dict[str, Any], beside: Iterable[str] = ()) -> PersonParty:
    present = {key for key, value in fields.items() if value not in (None, "", [], {})}
    name = (str(fields.get("given_name") or ""), str(fields.get("family_name") or ""))
    return PersonParty(true_id, name, present <= NAMES | DESCRIPTIVE, frozenset(beside))


def person_parties(engine: Engine, truth_path: Path) -> list[PersonParty]:
    """Every person party the store holds and the ground truth names."""
    fields_of: dict[str, dict[str, Any]] = {}
    for record_key, _record_id, normalised in current_records(engine):
        fields_of[record_key] = normalised
    out: list[PersonParty] = []
    for record_key, parties in iter_truth_records(truth_path):
        normalised = fields_of.pop(record_key, None)
        if normalised is None:
            continue
        held = {party: true_id for party, true_id in parties.items() if normalised.get(party)}
        for party, true_id in held.items():
            if true_id.startswith("P"):
                beside = (other for name, other in held.items() if name != party)
                out.append(person_party(int(true_id[1:]), normalised[party], beside))
    return out


def ceiling(parties: Iterable[PersonParty], shares: Iterable[float] = SHARES) -> dict[str, Any]:
    """The oracle's scores: without guessing, and guessing at each share (see the module's docstring)."""
    parties = list(parties)
    bearers: dict[tuple[str, str], set[int]] = defaultdict(set)
    held: Counter[tuple[tuple[str, str], int]] = Counter()
    for party in parties:
        bearers[party.name].add(party.true_id)
        held[party.name, party.true_id] += 1
    truth = np.array([party.true_id for party in parties], dtype=np.int64)
    ambiguous = [
        index for index, party in enumerate(parties) if party.name_only and len(bearers[party.name]) > 1
    ]
    placed = truth.copy()
    # 1. Through a party beside it: the bearers of the name seen, placed, beside the same thing.
    seen_beside: dict[tuple[tuple[str, str], str], set[int]] = defaultdict(set)
    unplaced = set(ambiguous)
    for index, party in enumerate(parties):
        if index not in unplaced:
            for other in party.beside:
                seen_beside[party.name, other].add(party.true_id)
    for index in ambiguous:
        party = parties[index]
        seen = set().union(*(seen_beside.get((party.name, other), ()) for other in party.beside))
        if len(seen) == 1:
            placed[index] = seen.pop()
            unplaced.discard(index)
    # 2. The rest in groups of one name beside one thing.
    forest = UnionFind(len(parties))
    first_beside: dict[tuple[tuple[str, str], str], int] = {}
    for index in sorted(unplaced):
        for other in parties[index].beside:
            forest.union(index, first_beside.setdefault((parties[index].name, other), index))
    groups: dict[int, list[int]] = defaultdict(list)
    for index in sorted(unplaced):
        groups[forest.root(index)].append(index)
    # The share the top bearer holds of the name's parties outside the group, and who that is.
    top: dict[int, tuple[float, int]] = {}
    for group, members in groups.items():
        name = parties[group].name
        inside = Counter(parties[index].true_id for index in members)
        counts = {bearer: held[name, bearer] - inside[bearer] for bearer in bearers[name]}
        total = sum(counts.values())
        best = max(sorted(counts), key=lambda bearer: counts[bearer])
        top[group] = (counts[best] / total if total else 0.0, best)

    def scored(share: float | None) -> dict[str, Any]:
        predicted = placed.copy()
        for group, members in groups.items():
            held_share, best = top[group]
            label = best if share is not None and held_share >= share else -1 - group
            predicted[members] = label
        return {"share": share, **pair_scores(predicted, truth)}

    guesses = [scored(share) for share in shares]
    without = scored(None)
    return {
        "person_parties": len(parties),
        "name_only": sum(party.name_only for party in parties),
        "ambiguous": len(ambiguous),
        "placed_beside": len(ambiguous) - len(unplaced),
        "placed_beside_right": sum(int(placed[i] == truth[i]) for i in ambiguous if i not in unplaced),
        "groups": len(groups),
        "without_guessing": without,
        "guessing": guesses,
        "best": max([without, *guesses], key=lambda scores: scores["f1"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="the demo and loaded store of bench_resolve_demo.py --workdir (made there if missing)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "resolve_ceiling", "size": args.size}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(args.workdir or scratch)
        engine = demo_store(tmp, args.size, reuse=args.workdir is not None, report=report)
        parties = person_parties(engine, tmp / "demo" / "ground_truth" / "truth.json")
        engine.dispose()
    report.update(ceiling(parties))
    print(
        f"{report['person_parties']:,} person parties; {report['name_only']:,} carry only a name, "
        f"{report['ambiguous']:,} a name two or more people in the store bear"
    )
    print(
        f"placed through a party beside them: {report['placed_beside']:,} "
        f"({report['placed_beside_right']:,} right); the other {report['groups']:,} groups:"
    )
    print("| oracle | precision | recall | F1 |")
    print("| --- | ---: | ---: | ---: |")
    rows = [("leaves each group alone", report["without_guessing"])]
    rows += [
        (f"puts a group with the top bearer at a share >= {scores['share']:.2f}", scores)
        for scores in report["guessing"]
    ]
    for label, scores in rows:
        print(f"| {label} | {scores['precision']:.4f} | {scores['recall']:.4f} | {scores['f1']:.4f} |")
    print(f"ceiling: person F1 {report['best']['f1']:.4f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
