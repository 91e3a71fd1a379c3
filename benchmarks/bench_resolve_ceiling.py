"""The best person F1 a linker can reach on the demo borough when a record carries nothing but a shared name.

    python benchmarks/bench_resolve_ceiling.py --size 1000000 --workdir DIR [--json OUT]

Many demo records name a person and nothing else: a fly-tipping reporter, a licence holder, a
consignee, a carer. The demo picks that person from every adult in the borough, so where two or more of
its people bear the name, nothing on the record says which of them it is. The larger the borough, the
more names are shared, and the lower the pairwise F1 any linker can reach.

This benchmark gives that ceiling from the ground truth. An *oracle* places every person party right
(it knows the truth) except a *name-only* party, one with no identifying field, whose exact given and
family name two or more true people bear in the store. For those it can:

- leave each alone (no guessing: precision 1);
- or put it with the bearer who holds most of that name's other parties (their true counts, which no
  linker knows) when that bearer holds at least a given share of them, and leave it alone otherwise.

The best F1 over those choices is an upper bound for any linker that reads only the records. Identifying
fields are any but the names and the descriptive ones in ``DESCRIPTIVE`` (a relationship, a referral
reason, warning markers...), so a party with a date of birth, an address, a phone or an agency's own id
counts as placed. ``--workdir`` shares its demo and loaded store with ``bench_resolve_demo.py``.
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


def person_party(true_id: int, fields: dict[str, Any]) -> PersonParty:
    present = {key for key, value in fields.items() if value not in (None, "", [], {})}
    name = (str(fields.get("given_name") or ""), str(fields.get("family_name") or ""))
    return PersonParty(true_id, name, present <= NAMES | DESCRIPTIVE)


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
        for party, true_id in parties.items():
            fields = normalised.get(party)
            if true_id.startswith("P") and fields:
                out.append(person_party(int(true_id[1:]), fields))
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
    # The share the top bearer holds of the name's *other* parties, and who that is.
    top: dict[int, tuple[float, int]] = {}
    for index in ambiguous:
        party = parties[index]
        counts = {
            bearer: held[party.name, bearer] - (bearer == party.true_id) for bearer in bearers[party.name]
        }
        total = sum(counts.values())
        best = max(sorted(counts), key=lambda bearer: counts[bearer])
        top[index] = (counts[best] / total if total else 0.0, best)
    alone = -1 - np.arange(len(parties), dtype=np.int64)  # labels no true id takes

    def scored(share: float | None) -> dict[str, Any]:
        predicted = truth.copy()
        for index in ambiguous:
            held_share, best = top[index]
            predicted[index] = best if share is not None and held_share >= share else alone[index]
        return {"share": share, **pair_scores(predicted, truth)}

    guesses = [scored(share) for share in shares]
    without = scored(None)
    return {
        "person_parties": len(parties),
        "name_only": sum(party.name_only for party in parties),
        "ambiguous": len(ambiguous),
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
    print("| oracle | precision | recall | F1 |")
    print("| --- | ---: | ---: | ---: |")
    rows = [("leaves them alone", report["without_guessing"])]
    rows += [
        (f"guesses the top bearer at a share >= {scores['share']:.2f}", scores)
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
