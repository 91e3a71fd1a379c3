"""Attaching weakly identified parties: joined only when the store knows exactly one thing they can be."""

from __future__ import annotations

from typing import Any

import pytest

from crimelink.domain import EntityKind
from crimelink.linkage.attach import business_key, premises_key, registered_name
from crimelink.linkage.clusters import (
    Cluster,
    LinkInfo,
    Party,
    attach_weak,
    premises_by_business,
    premises_context,
)


def _cluster(kind: EntityKind, record_id: int, fields: dict[str, Any], party: str = "subject") -> Cluster:
    member = Party(record_id, party, 1, str(record_id), kind, fields)
    return Cluster(kind, [member], {member.key: LinkInfo("new", None, "test")})


def _groups(clusters: list[Cluster]) -> set[frozenset[int]]:
    return {frozenset(m.record_id for m in c.members) for c in clusters}


def _person(record_id: int, given: str, family: str, **fields: str) -> Cluster:
    return _cluster(EntityKind.PERSON, record_id, {"given_name": given, "family_name": family, **fields})


def test_a_name_only_record_joins_the_one_known_person_of_that_name_and_records_why() -> None:
    clusters = [
        _person(1, "DAVID", "PRICE", dob="1980-01-02", phone="+447700900001"),
        _person(2, "DAVID", "PRICE"),
        _person(3, "DAVE", "PRICE"),  # nickname: still David Price
        _person(4, "DAVID", "PRIICE"),  # misspelt: the fuzzy pass
        _person(5, "MARY", "PRICE"),
    ]
    result = attach_weak(clusters, EntityKind.PERSON)
    assert _groups(result) == {frozenset({1, 2, 3, 4}), frozenset({5})}
    david = next(c for c in result if len(c.members) == 4)
    methods = {key[0]: info.method for key, info in david.links.items()}
    assert methods == {1: "unique-name", 2: "unique-name", 3: "unique-name", 4: "unique-name-fuzzy"}


def test_a_name_shared_by_two_known_people_attaches_nothing() -> None:
    clusters = [
        _person(1, "JOHN", "SMITH", dob="1960-05-05"),
        _person(2, "JOHN", "SMITH", dob="1990-05-05"),  # his son
        _person(3, "JOHN", "SMITH"),
    ]
    assert _groups(attach_weak(clusters, EntityKind.PERSON)) == {
        frozenset({1}),
        frozenset({2}),
        frozenset({3}),
    }


def test_a_different_phone_keeps_a_namesake_apart() -> None:
    clusters = [
        _person(1, "JANE", "JONES", dob="1996-07-18", phone="+441154960754"),
        _person(2, "JANE", "JONES", phone="+441514960900"),
        _person(3, "JANE", "JONES", phone="+441154960754"),
    ]
    assert _groups(attach_weak(clusters, EntityKind.PERSON)) == {frozenset({1, 3}), frozenset({2})}


def test_name_only_records_with_no_known_person_are_one_person() -> None:
    clusters = [_person(1, "ALISON", "ALI"), _person(2, "ALISON", "ALI"), _person(3, "ALAN", "ALI")]
    assert _groups(attach_weak(clusters, EntityKind.PERSON)) == {frozenset({1, 2}), frozenset({3})}


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("REAR OF 1 HARRIS GROVE LONDON", "1 HARRIS GROVE"),
        ("SIDE OF 22 YATES BROADWAY", "22 YATES BROADWAY"),
        ("FLAT 4 6 REID TERRACE LONDON", "FLAT 4 6 REID TERRACE"),
        ("HIGH STREET LONDON", None),
        (None, None),
    ],
)
def test_premises_key(address: str | None, key: str | None) -> None:
    assert premises_key(address) == key


def test_business_key_drops_legal_form_and_keeps_the_trading_name() -> None:
    assert business_key("CITY SECURITY SOLUTIONS LTD") == "CITY SECURITY SOLUTIONS"
    assert business_key("ACME HOLDINGS LTD T/A THE LUCKY CAFE") == "LUCKY CAFE"


def _premises(record_id: int, **fields: str) -> Cluster:
    return _cluster(EntityKind.PREMISES, record_id, dict(fields), party="premises")


def test_premises_join_on_address_when_postcode_and_uprn_do_not_disagree() -> None:
    clusters = [
        _premises(1, address="FLAT 5 5 ALBERT STREET LONDON", uprn="951125338499"),
        _premises(2, address="FLAT 5 5 ALBERT STREET LONDON", postcode="E16 3TD"),
        _premises(3, address="REAR OF FLAT 5 5 ALBERT STREET"),
        _premises(4, address="FLAT 5 5 ALBERT STREET", postcode="E1 1AA"),  # another borough's Albert Street
        _premises(5, address="FLAT 6 5 ALBERT STREET", postcode="E16 3TD"),  # the flat next door
    ]
    groups = _groups(attach_weak(clusters, EntityKind.PREMISES))
    assert frozenset({5}) in groups
    assert frozenset({4}) in groups
    # 1, 2 and 3 are ambiguous with 4 around (3 has neither postcode nor UPRN): without 4 they are one.
    without_other_street = _groups(
        attach_weak([c for c in clusters if c.members[0].record_id != 4], EntityKind.PREMISES)
    )
    assert frozenset({1, 2, 3}) in without_other_street


def test_a_postcode_alone_joins_the_only_premises_known_at_that_postcode() -> None:
    clusters = [
        _premises(1, address="12 JENNINGS PARADE", postcode="E13 3QT"),
        _premises(2, postcode="E13 3QT"),
        _premises(3, address="1 HARDY ROAD", postcode="E13 4PH"),
        _premises(4, address="2 HARDY ROAD", postcode="E13 4PH"),
        _premises(5, postcode="E13 4PH"),
    ]
    groups = _groups(attach_weak(clusters, EntityKind.PREMISES))
    assert groups == {frozenset({1, 2}), frozenset({3}), frozenset({4}), frozenset({5})}


def test_one_trading_name_at_two_shops_is_two_businesses() -> None:
    premises = [
        _premises(1, address="1 KEMP STREET", postcode="E20 3BD"),
        _premises(2, address="9 HIGH ROAD", postcode="E7 1AA"),
    ]
    context = premises_context(premises)
    businesses = [
        _cluster(EntityKind.BUSINESS, 1, {"business_name": "TIP TOP OFF LICENCE"}, party="business"),
        _cluster(EntityKind.BUSINESS, 2, {"business_name": "TIP TOP OFF LICENCE"}, party="business"),
        _cluster(EntityKind.BUSINESS, 3, {"business_name": "TIP TOP OFF LICENCE"}, party="business"),
        _cluster(EntityKind.BUSINESS, 4, {"business_name": "LUCKY TEA ROOMS LTD"}, party="business"),
        _cluster(EntityKind.BUSINESS, 5, {"business_name": "LUCKY TEA ROOMS"}, party="business"),
    ]
    groups = _groups(attach_weak(businesses, EntityKind.BUSINESS, context))
    # LUCKY TEA ROOMS LTD is a registered company; LUCKY TEA ROOMS without the legal form may be another
    # trader's name, so the two are not joined on the name alone.
    assert groups == {frozenset({1}), frozenset({2}), frozenset({3}), frozenset({4}), frozenset({5})}


def test_a_shop_given_only_by_postcode_is_placed_through_its_trader() -> None:
    licence_shop = _premises(1, address="3 LITTLE STREET", postcode="E16 6ST")
    other_shop = _premises(9, address="5 LITTLE STREET", postcode="E16 6ST")
    complaint_shop = _premises(2, postcode="E16 6ST")
    stranger_shop = _premises(3, postcode="E16 6ST")  # its trader is not known anywhere else
    premises = attach_weak([licence_shop, other_shop, complaint_shop, stranger_shop], EntityKind.PREMISES)
    assert _groups(premises) == {frozenset({1}), frozenset({9}), frozenset({2}), frozenset({3})}
    businesses = [
        _cluster(EntityKind.BUSINESS, 1, {"business_name": "STAR NAILS"}, party="business"),
        _cluster(EntityKind.BUSINESS, 2, {"business_name": "STAR NAILS"}, party="trader"),
        _cluster(EntityKind.BUSINESS, 3, {"business_name": "QUICK CASH"}, party="trader"),
    ]
    businesses = attach_weak(businesses, EntityKind.BUSINESS, premises_context(premises))
    placed = premises_by_business(premises, businesses)
    assert _groups(placed) == {frozenset({1, 2}), frozenset({9}), frozenset({3})}
    joined = next(c for c in placed if len(c.members) == 2)
    assert {key[0]: info.method for key, info in joined.links.items()}[2] == "business-premises"


def test_a_registered_company_name_is_one_company_whatever_its_premises() -> None:
    # No two companies share a name on the register: a yard in intelligence and a shop in a complaint
    # are the same company's; an unregistered trading name at two shops stays two businesses.
    premises = [
        _premises(record, address=address, postcode=postcode)
        for record, address, postcode in (
            (1, "1 KEMP STREET", "E20 3BD"),
            (2, "9 HIGH ROAD", "E7 1AA"),
            (3, "1 KEMP STREET", "E20 3BD"),
            (4, "9 HIGH ROAD", "E7 1AA"),
        )
    ]
    context = premises_context(premises)
    businesses = [
        _cluster(EntityKind.BUSINESS, 1, {"business_name": "JUBILEE WASTE SERVICES LTD"}, party="business"),
        _cluster(EntityKind.BUSINESS, 2, {"business_name": "JUBILEE WASTE SERVICES LTD"}, party="business"),
        _cluster(EntityKind.BUSINESS, 3, {"business_name": "JUBILEE WASTE"}, party="business"),
        _cluster(EntityKind.BUSINESS, 4, {"business_name": "JUBILEE WASTE"}, party="business"),
    ]
    assert registered_name("JUBILEE WASTE SERVICES LTD")
    assert not registered_name("JUBILEE WASTE")
    groups = _groups(attach_weak(businesses, EntityKind.BUSINESS, context))
    assert frozenset({1, 2}) in groups
    assert frozenset({3}) in groups
    assert frozenset({4}) in groups


def _population(size: int) -> list[Cluster]:
    """``size`` people with distinct made-up names (none a slip of another), each with a date of birth."""
    letters = "BCDFGHJKLMNPRSTVWZ"
    names = []
    for index in range(size):
        a, b = divmod(index, len(letters) ** 2)
        c, d = divmod(b, len(letters))
        names.append((f"Q{letters[a % 18]}O{letters[c]}U{letters[d]}", f"X{letters[d]}A{letters[c]}E"))
    return [
        _person(1000 + index, given, family, dob=f"19{index % 90 + 10}-01-01")
        for index, (given, family) in enumerate(names)
    ]


def test_two_real_names_a_letter_apart_are_not_taken_for_a_slip_in_a_large_store() -> None:
    # 12,000 people: 120 called NICOLA and 120 NICOLE (other surnames), 100 REYNOLDS (other given names).
    people = _population(12_000)
    for index, cluster in enumerate(people[:340]):
        fields = cluster.members[0].fields
        if index < 120:
            fields["given_name"] = "NICOLA"
        elif index < 240:
            fields["given_name"] = "NICOLE"
        else:
            fields["family_name"] = "REYNOLDS"
    clusters = [
        *people,
        _person(1, "NICOLA", "REYNOLDS", dob="1989-02-16"),
        _person(2, "NICOLE", "REYNOLDS"),  # another woman: about two people bear a name within one slip
        _person(3, "NICOLA", "REYNOLDS"),  # exactly the known name: about one bears it, so joins
        _person(4, "ZOFIA", "PRZYBYLSKA", dob="1975-03-04"),
        _person(5, "ZOFIA", "PRZYBYLKA"),  # a slip in a rare name still joins
    ]
    groups = _groups(attach_weak(clusters, EntityKind.PERSON))
    assert {frozenset({1, 3}), frozenset({2}), frozenset({4, 5})} <= groups
