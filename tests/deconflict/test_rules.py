"""The pure rules: windows, distance, the index's completeness, grading and the blind rule."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from crimelink.deconflict.assess import (
    InterestFacts,
    LocationFacts,
    OperationFacts,
    TargetFacts,
    assess_interest,
    assess_operations,
)
from crimelink.deconflict.blind import Side, counterpart_for
from crimelink.deconflict.geometry import distance_m
from crimelink.deconflict.identifiers import normalise_identifier, parse_kind
from crimelink.deconflict.index import (
    OPEN_LEVEL,
    cells_covering,
    merge_ranges,
    query_ranges,
    query_slots,
    stored_buckets,
    stored_slots,
)
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.deconflict.windows import Window
from crimelink.domain.deconfliction import ConflictGrade, ConflictKind, InterestSubject, TargetKind
from crimelink.errors import NormalisationError

DAY = datetime(2026, 3, 3, 6, tzinfo=UTC)
HERE = (51.538, 0.030)


def window(
    start_hours: float = 0, hours: float = 2, *, standing: bool = False, open_end: bool = False
) -> Window:
    start = DAY + timedelta(hours=start_hours)
    return Window(start, None if open_end else start + timedelta(hours=hours), standing=standing or open_end)


def operation(
    op_id: int,
    *,
    at: tuple[float, float] | None = HERE,
    radius: float = 300,
    when: Window | None = None,
    uprn: str | None = None,
    premises: int | None = None,
    targets: tuple[TargetFacts, ...] = (),
    covert: bool = False,
    armed: bool = False,
    group: int | None = None,
) -> OperationFacts:
    location = LocationFacts(op_id * 10, at[0] if at else None, at[1] if at else None, radius, uprn, premises)
    return OperationFacts(
        id=op_id,
        agency_id=op_id,
        window=when or window(),
        covert=covert,
        armed=armed,
        locations=(location,),
        targets=targets,
        group_id=group,
    )


# --- windows and distance -----------------------------------------------------------------------


def test_windows_overlap_within_the_buffer_and_not_beyond() -> None:
    buffer = timedelta(hours=2)
    morning = window(0, 2)
    assert morning.overlaps(window(1, 2), buffer)
    assert morning.overlaps(window(4, 1), buffer), "a gap of exactly two hours is within the buffer"
    assert not morning.overlaps(window(4, 1), timedelta(hours=1, minutes=59))
    assert not morning.overlaps(window(4.5, 1), buffer)
    assert morning.gap(window(5, 1)) == timedelta(hours=3)


def test_a_standing_operation_counts_for_its_whole_span() -> None:
    standing = Window(DAY - timedelta(days=90), None, standing=True)
    assert standing.overlaps(window(24 * 300, 1), timedelta(0)), "an open standing window never ends"
    assert not window(0, 1).overlaps(Window(DAY + timedelta(days=2), None, standing=True), timedelta(hours=2))


def test_a_window_needs_an_end_unless_standing_and_cannot_end_first() -> None:
    with pytest.raises(ValueError, match="ends_at"):
        Window(DAY, None)
    with pytest.raises(ValueError, match="ends_at"):
        Window(DAY, DAY - timedelta(minutes=1))


def test_great_circle_distance_in_metres() -> None:
    # One minute of latitude is a nautical mile (1,852 m) to within half a per cent.
    assert distance_m(51.5, 0.0, 51.5 + 1 / 60, 0.0) == pytest.approx(1852, rel=0.005)
    assert distance_m(*HERE, *HERE) == 0


# --- the index misses nothing ------------------------------------------------------------------


def test_the_index_finds_every_pair_the_rules_call_a_place_and_time_conflict() -> None:
    rng = random.Random(20260303)
    rules = DEFAULT_RULES
    checked = 0
    for _ in range(3000):
        lat, lon = 51.52 + rng.random() * 0.04, rng.random() * 0.07
        mine = operation(1, at=(lat, lon), radius=rng.choice((50, 300, 1000, 2000)), when=_random_window(rng))
        theirs = operation(
            2,
            at=(lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.03, 0.03)),
            radius=rng.choice((50, 300, 1000, 2000)),
            when=_random_window(rng),
        )
        finding = assess_operations(mine, theirs, rules)
        if finding is None or ConflictKind.PLACE_TIME not in finding.kinds:
            continue
        checked += 1
        location, other = mine.locations[0], theirs.locations[0]
        assert location.latitude is not None
        assert location.longitude is not None
        assert other.latitude is not None
        assert other.longitude is not None
        stored = stored_slots(other.latitude, other.longitude, other.radius_m, theirs.window)
        ranges = query_ranges(
            location.latitude, location.longitude, location.radius_m, mine.window, rules.buffer
        )
        assert any(low <= slot <= high for slot in stored for low, high in ranges), (mine, theirs)
        single, wide = query_slots(
            location.latitude, location.longitude, location.radius_m, mine.window, rules.buffer
        )
        assert set(stored) & set(single) or any(low <= slot <= high for slot in stored for low, high in wide)
    assert checked > 100, "the random pairs included enough conflicts to mean something"


def _random_window(rng: random.Random) -> Window:
    start = DAY + timedelta(hours=rng.uniform(0, 24 * 40))
    roll = rng.random()
    if roll < 0.6:
        return Window(start, start + timedelta(hours=rng.uniform(0.5, 8)))
    if roll < 0.85:
        return Window(start, start + timedelta(days=rng.uniform(1, 30)))
    if roll < 0.95:
        return Window(start, start + timedelta(days=rng.uniform(30, 800)), standing=True)
    return Window(start, None, standing=True)


def test_a_long_window_goes_to_a_coarse_level_and_an_open_one_to_the_open_level() -> None:
    assert [level for level, _ in stored_buckets(window(0, 2))] in ([0], [0, 0])
    assert {level for level, _ in stored_buckets(Window(DAY, DAY + timedelta(days=40)))} == {3}
    assert stored_buckets(Window(DAY, None, standing=True)) == [(OPEN_LEVEL, 0)]
    assert all(len(stored_buckets(_random_window(random.Random(n)))) <= 2 for n in range(200))


def test_a_window_of_a_week_is_looked_up_slot_by_slot_and_a_long_one_by_ranges() -> None:
    buffer = timedelta(hours=2)
    single, wide = query_slots(51.5, 0.0, 300.0, Window(DAY, DAY + timedelta(days=7)), buffer)
    assert single
    assert wide == []
    single, wide = query_slots(51.5, 0.0, 300.0, Window(DAY, DAY + timedelta(days=90), standing=True), buffer)
    assert wide
    assert all(low < high for low, high in wide)


def test_cells_cover_the_circle_and_ranges_merge() -> None:
    cells = cells_covering(*HERE, 300)
    assert 1 <= len(cells) <= 4
    assert len(cells_covering(*HERE, 2000)) > len(cells)
    assert merge_ranges([(5, 7), (1, 2), (3, 4), (10, 12)]) == [(1, 7), (10, 12)]


# --- grading ------------------------------------------------------------------------------------


def test_the_same_uprn_at_overlapping_times_is_a_red_premises_conflict() -> None:
    finding = assess_operations(
        operation(1, at=None, uprn="100023336956"), operation(2, at=None, uprn="100023336956"), DEFAULT_RULES
    )
    assert finding is not None
    assert finding.grade is ConflictGrade.RED
    assert finding.kinds == (ConflictKind.PREMISES,)
    apart = assess_operations(
        operation(1, at=None, uprn="100023336956"),
        operation(2, at=None, uprn="100023336956", when=window(48)),
        DEFAULT_RULES,
    )
    assert apart is None, "the same premises two days apart is not a conflict"


def test_the_same_resolved_premises_is_a_premises_conflict_whatever_the_address() -> None:
    finding = assess_operations(
        operation(1, at=None, premises=77), operation(2, at=(51.6, 0.1), premises=77), DEFAULT_RULES
    )
    assert finding is not None
    assert ConflictKind.PREMISES in finding.kinds


def test_place_and_time_is_amber_red_when_covert_or_armed_and_uses_the_larger_radius() -> None:
    near = (HERE[0], HERE[1] + 0.0035)  # about 240 m east
    assert distance_m(*HERE, *near) == pytest.approx(242, abs=5)
    overt = assess_operations(operation(1), operation(2, at=near), DEFAULT_RULES)
    assert overt is not None
    assert (overt.grade, overt.kinds) == (ConflictGrade.AMBER, (ConflictKind.PLACE_TIME,))
    assert overt.reasons[0].detail["distance_m"] == pytest.approx(242, abs=5)
    covert = assess_operations(operation(1), operation(2, at=near, covert=True), DEFAULT_RULES)
    armed = assess_operations(operation(1, armed=True), operation(2, at=near), DEFAULT_RULES)
    assert covert is not None
    assert covert.grade is ConflictGrade.RED
    assert armed is not None
    assert armed.grade is ConflictGrade.RED
    small = assess_operations(operation(1, radius=100), operation(2, at=near, radius=200), DEFAULT_RULES)
    assert small is None, "240 m apart is beyond both radii"
    one_large = assess_operations(operation(1, radius=100), operation(2, at=near, radius=250), DEFAULT_RULES)
    assert one_large is not None, "the larger radius decides"
    later = assess_operations(operation(1), operation(2, at=near, when=window(5)), DEFAULT_RULES)
    assert later is None, "three hours apart is beyond the two-hour buffer"


def test_the_same_target_is_red_when_the_windows_overlap_and_amber_otherwise() -> None:
    phone = TargetFacts(1, TargetKind.PHONE, "PHONE:+447700900555")
    same_phone = TargetFacts(2, TargetKind.PHONE, "PHONE:+447700900555")
    person = TargetFacts(3, TargetKind.PERSON, "PERSON:1983-11-09|SLNSK|MRK", entity_id=41)
    same_entity = TargetFacts(4, TargetKind.PERSON, "PERSON:1983-11-09|SLNSK|MRXL", entity_id=41)
    far = (51.60, 0.20)
    together = assess_operations(
        operation(1, targets=(phone,)), operation(2, at=far, targets=(same_phone,)), DEFAULT_RULES
    )
    assert together is not None
    assert (together.grade, together.kinds) == (ConflictGrade.RED, (ConflictKind.TARGET,))
    apart = assess_operations(
        operation(1, targets=(person,)),
        operation(2, at=far, targets=(same_entity,), when=window(24 * 30)),
        DEFAULT_RULES,
    )
    assert apart is not None
    assert (apart.grade, apart.kinds) == (ConflictGrade.AMBER, (ConflictKind.TARGET,))
    assert "ENTITY:41" in apart.reasons[0].detail["shared"], (
        "the same resolved entity, though the keys differ"
    )


def test_a_location_at_premises_the_other_targets_is_premises_together_and_target_apart() -> None:
    target = TargetFacts(5, TargetKind.UPRN, "UPRN:100023336956")
    together = assess_operations(
        operation(1, at=None, uprn="100023336956"),
        operation(2, at=(51.6, 0.2), targets=(target,)),
        DEFAULT_RULES,
    )
    apart = assess_operations(
        operation(1, at=None, uprn="100023336956"),
        operation(2, at=(51.6, 0.2), targets=(target,), when=window(24 * 10)),
        DEFAULT_RULES,
    )
    assert together is not None
    assert together.kinds == (ConflictKind.PREMISES,)
    assert apart is not None
    assert (apart.kinds, apart.grade) == ((ConflictKind.TARGET,), ConflictGrade.AMBER)


def test_kinds_are_listed_most_serious_first() -> None:
    finding = assess_operations(
        operation(1, uprn="100023336956"),
        operation(2, at=(HERE[0], HERE[1] + 0.001), uprn="100023336956"),
        DEFAULT_RULES,
    )
    assert finding is not None
    assert finding.kinds == (ConflictKind.PREMISES, ConflictKind.PLACE_TIME)
    assert finding.grade is ConflictGrade.RED


def test_an_interest_is_information_or_amber_as_its_holder_asked() -> None:
    phone = TargetFacts(1, TargetKind.PHONE, "PHONE:+447700900555")
    flag = InterestFacts(9, 5, InterestSubject.PHONE, match_key="PHONE:+447700900555")
    consult = InterestFacts(
        9, 5, InterestSubject.PHONE, match_key="PHONE:+447700900555", consult_before_action=True
    )
    told = assess_interest(operation(1, targets=(phone,)), flag, DEFAULT_RULES)
    asked = assess_interest(operation(1, targets=(phone,)), consult, DEFAULT_RULES)
    assert told is not None
    assert (told.grade, told.kinds) == (
        ConflictGrade.INFORMATION,
        (ConflictKind.TARGET,),
    )
    assert asked is not None
    assert asked.grade is ConflictGrade.AMBER
    premises = InterestFacts(10, 5, InterestSubject.PREMISES, match_key="UPRN:100023336956")
    at_premises = assess_interest(operation(1, uprn="100023336956"), premises, DEFAULT_RULES)
    assert at_premises is not None
    assert at_premises.kinds == (ConflictKind.PREMISES,)
    expired = InterestFacts(
        9, 5, InterestSubject.PHONE, match_key="PHONE:+447700900555", expires_on=date(2026, 3, 1)
    )
    assert assess_interest(operation(1, targets=(phone,)), expired, DEFAULT_RULES) is None


def test_a_group_interest_meets_an_operation_on_the_group_or_on_a_member() -> None:
    member = TargetFacts(1, TargetKind.PERSON, "PERSON:x", entity_id=70)
    interest = InterestFacts(9, 5, InterestSubject.GROUP, group_id=3)
    direct = assess_interest(operation(1, group=3), interest, DEFAULT_RULES)
    via_member = assess_interest(
        operation(1, targets=(member,)), interest, DEFAULT_RULES, memberships={70: frozenset({3})}
    )
    assert direct is not None
    assert direct.kinds == (ConflictKind.GROUP,)
    assert via_member is not None
    assert via_member.grade is ConflictGrade.INFORMATION
    assert (
        assess_interest(
            operation(1, targets=(member,)), interest, DEFAULT_RULES, memberships={70: frozenset({4})}
        )
        is None
    )


def test_the_grades_are_configurable() -> None:
    rules = DeconflictionRules(place_time_grade=ConflictGrade.RED, buffer=timedelta(hours=6))
    finding = assess_operations(
        operation(1), operation(2, at=(HERE[0], HERE[1] + 0.001), when=window(7)), rules
    )
    assert finding is not None
    assert finding.grade is ConflictGrade.RED
    with pytest.raises(ValueError, match="radii"):
        DeconflictionRules(default_radius_m=5000, max_radius_m=2000)


# --- identifiers --------------------------------------------------------------------------------


def test_identifiers_are_normalised_as_partner_records_are() -> None:
    assert normalise_identifier(TargetKind.PHONE, "07700 900555").match_key == "PHONE:+447700900555"
    assert normalise_identifier(TargetKind.VRM, "kx19 zzt").match_key == "VRM:KX19ZZT"
    assert normalise_identifier(TargetKind.UPRN, "000100023336956").value == "100023336956"
    assert normalise_identifier(TargetKind.IP_ADDRESS, "2001:db8:0::1").value == "2001:db8::1"
    spellings = {
        normalise_identifier(TargetKind.PERSON, name, dob=dob).match_key
        for name, dob in (
            ("Jon Smyth", "02/01/1990"),
            ("SMITH, John", "1990-01-02"),
            ("john smith", "2 Jan 1990"),
        )
    }
    assert len(spellings) == 1


def test_a_bad_identifier_names_its_field() -> None:
    with pytest.raises(NormalisationError) as missing_dob:
        normalise_identifier(TargetKind.PERSON, "John Smith")
    assert missing_dob.value.field == "dob"
    with pytest.raises(NormalisationError) as bad_phone:
        normalise_identifier(TargetKind.PHONE, "not a phone")
    assert bad_phone.value.field == "value"
    with pytest.raises(NormalisationError) as bad_kind:
        parse_kind("shoe size")
    assert bad_kind.value.field == "kind"


# --- the blind rule -----------------------------------------------------------------------------


def side(*, police: bool, covert: bool, agency_id: int = 1, kind: str = "operation") -> Side:
    return Side(
        kind,  # type: ignore[arg-type]
        agency_id=agency_id,
        agency_code="OTHER",
        agency_name="The Other Agency",
        agency_is_police=police,
        covert=covert,
        contact="07700 900777",
    )


@pytest.mark.parametrize(
    ("viewer_police", "other_police", "other_covert", "hold", "shown_contact"),
    [
        (False, False, False, False, "07700 900777"),
        (False, True, False, False, "07700 900777"),
        (True, False, False, False, "07700 900777"),
        (True, True, False, False, "07700 900777"),
        (False, True, True, True, DEFAULT_RULES.desk_contact),
        (False, False, True, True, DEFAULT_RULES.desk_contact),
        (True, True, True, False, DEFAULT_RULES.desk_contact),
        (True, False, True, False, DEFAULT_RULES.desk_contact),
    ],
)
def test_what_each_side_learns_of_the_other(
    viewer_police: bool, other_police: bool, other_covert: bool, hold: bool, shown_contact: str
) -> None:
    told = counterpart_for(
        viewer_agency_id=2,
        viewer_is_police=viewer_police,
        viewer_side="operation",
        other=side(police=other_police, covert=other_covert),
        kinds=[ConflictKind.PLACE_TIME],
        grade=ConflictGrade.RED,
        rules=DEFAULT_RULES,
    )
    assert told.hold is hold
    assert told.contact == shown_contact
    if hold:
        assert (told.agency_code, told.agency_name, told.kinds, told.grade, told.about) == (
            None,
            None,
            (),
            None,
            None,
        )
        assert told.message == "Hold: contact the police SOC desk."
    else:
        assert told.agency_name == "The Other Agency"
        assert told.kinds == ("PLACE_TIME",)
        assert told.grade == "RED"
        assert "same place and time" in told.message


def test_an_agency_is_never_held_by_its_own_covert_operation() -> None:
    told = counterpart_for(
        viewer_agency_id=1,
        viewer_is_police=False,
        viewer_side="operation",
        other=side(police=False, covert=True, agency_id=1),
        kinds=[ConflictKind.TARGET],
        grade=ConflictGrade.AMBER,
        rules=DEFAULT_RULES,
    )
    assert not told.hold
    assert told.contact == "07700 900777"
