"""The ceiling benchmark's oracle: what any linker can reach when a record names a person and nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_resolve_ceiling import PersonParty, ceiling, person_party


def test_a_party_with_only_names_and_descriptions_is_name_only() -> None:
    assert person_party(1, {"given_name": "ANN", "family_name": "LEE", "relationship": "CARER"}).name_only
    assert person_party(1, {"given_name": "ANN", "family_name": "LEE", "dob": ""}).name_only
    assert not person_party(1, {"given_name": "ANN", "family_name": "LEE", "dob": "1990-01-02"}).name_only
    assert not person_party(1, {"given_name": "ANN", "family_name": "LEE", "lcs_id": "LCS1"}).name_only


def _parties() -> list[PersonParty]:
    ann, bob = ("ANN", "LEE"), ("BOB", "KAY")
    return [
        PersonParty(1, ann, False),
        PersonParty(1, ann, False),
        PersonParty(2, ann, False),
        PersonParty(1, ann, True),  # ANN LEE and nothing else: two people in the store are called so
        PersonParty(3, bob, False),
        PersonParty(3, bob, True),  # BOB KAY and nothing else: only one person is
    ]


def test_without_guessing_a_shared_name_stays_alone_and_a_unique_one_is_placed() -> None:
    found = ceiling(_parties(), shares=())
    assert (found["name_only"], found["ambiguous"]) == (2, 1)
    without = found["without_guessing"]
    # True pairs: three among person 1's parties and one between person 3's. Person 1's name-only
    # party is left alone, so two of its pairs are missed.
    assert (without["true_pairs"], without["true_positives"], without["pairs"]) == (4, 2, 2)
    assert without["precision"] == 1.0
    assert found["best"] == without


def test_guessing_goes_to_the_bearer_of_most_of_the_names_other_parties() -> None:
    # Of ANN LEE's other parties, person 1 holds two and person 2 one: a share of 2/3.
    found = ceiling(_parties(), shares=(0.5, 0.7))
    at_half, at_seven_tenths = found["guessing"]
    assert at_half["recall"] == 1.0
    assert at_half["precision"] == 1.0
    assert at_seven_tenths["recall"] == pytest.approx(0.5)
    assert found["best"]["share"] == 0.5


def test_a_wrong_guess_costs_precision() -> None:
    ann = ("ANN", "LEE")
    parties = [
        PersonParty(1, ann, False),
        PersonParty(2, ann, False),
        PersonParty(2, ann, False),
        PersonParty(1, ann, True),  # person 1's, but person 2 holds most of the name's other parties
    ]
    found = ceiling(parties, shares=(0.5,))
    (guessed,) = found["guessing"]
    assert guessed["precision"] == pytest.approx(1 / 3)  # one true pair among the three it makes
    assert found["best"]["share"] is None  # leaving it alone is better


def test_a_party_beside_the_same_thing_as_one_bearer_goes_to_that_bearer() -> None:
    ann = ("ANN", "LEE")
    parties = [
        PersonParty(1, ann, False, frozenset({"H5"})),  # ANN LEE, identified, at premises H5
        PersonParty(2, ann, False, frozenset({"H6"})),
        PersonParty(1, ann, True, frozenset({"H5", "B9"})),  # a licence holder at H5: the first ANN LEE
    ]
    found = ceiling(parties, shares=())
    assert (found["ambiguous"], found["placed_beside"], found["placed_beside_right"]) == (1, 1, 1)
    assert found["without_guessing"]["recall"] == 1.0


def test_where_both_bearers_are_seen_beside_it_the_party_is_not_placed() -> None:
    ann = ("ANN", "LEE")
    parties = [
        PersonParty(1, ann, False, frozenset({"H5"})),
        PersonParty(2, ann, False, frozenset({"H5"})),
        PersonParty(1, ann, True, frozenset({"H5"})),
    ]
    found = ceiling(parties, shares=())
    assert found["placed_beside"] == 0
    assert found["without_guessing"]["true_positives"] == 0


def test_name_only_parties_beside_the_same_thing_are_one_group() -> None:
    ann = ("ANN", "LEE")
    parties = [
        PersonParty(1, ann, False),
        PersonParty(2, ann, False),
        PersonParty(3, ann, True, frozenset({"B9"})),  # the same licence holder on two licences of B9
        PersonParty(3, ann, True, frozenset({"B9", "H1"})),
        PersonParty(3, ann, True, frozenset({"H1"})),  # and on a third, of H1 only: joined through the second
    ]
    found = ceiling(parties, shares=())
    assert found["groups"] == 1
    without = found["without_guessing"]
    assert (without["true_pairs"], without["true_positives"], without["pairs"]) == (3, 3, 3)
