"""What a form or an API request gives to register an operation or an interest, and how it is checked.

Every field is checked and every problem named by its field (``locations[2].radius_m``,
``targets[0].dob``) in one :class:`~crimelink.errors.InvalidInputError`. Identifiers go through the
importer's normalisers; targets and premises are resolved to entities with linkage's own rules
(:func:`crimelink.linkage.incremental.match_party`), so a target typed with another spelling still finds
the person other agencies' records describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from crimelink.deconflict.geometry import check_point
from crimelink.deconflict.identifiers import SUBJECT_OF_ENTITY, normalise_identifier, parse_kind
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.deconflict.windows import Window
from crimelink.domain import Classification, OperationType, Visibility, parse_classification
from crimelink.domain.deconfliction import InterestSubject, TargetKind
from crimelink.errors import ClassificationError, InvalidInputError, NormalisationError
from crimelink.ingest.normalise import normalise_address, normalise_postcode, normalise_uprn
from crimelink.linkage.incremental import SavedModel, current_model, match_party
from crimelink.store.models import Entity, Operation, OperationLocation, OperationTarget, OrganisedCrimeGroup

MAX_LOCATIONS = 50
MAX_TARGETS = 50
#: The longest window an operation that is not standing may have.
MAX_WINDOW = timedelta(days=31)
#: An operation starting more than this before it is registered is a retrospective entry.
RETROSPECTIVE_AFTER = timedelta(minutes=15)
MAX_TEXT = 4000


# --- what a form or request gives -------------------------------------------------------------


@dataclass(frozen=True)
class LocationInput:
    """Where: an address (UPRN, postcode) and/or a point; at least coordinates, a UPRN or an address."""

    address: str = ""
    postcode: str | None = None
    uprn: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    #: ``None``: the rules' default radius.
    radius_m: float | None = None


@dataclass(frozen=True)
class TargetInput:
    """Who or what: a kind (``TargetKind``) and the identifier; a person's name with ``dob``; an entity id."""

    kind: str
    value: str = ""
    dob: str | None = None
    entity_id: int | None = None


@dataclass(frozen=True)
class OperationInput:
    name: str
    officer: str
    contact_24h: str
    operation_type: str
    starts_at: datetime | None
    ends_at: datetime | None = None
    standing: bool = False
    visibility: str = Visibility.OVERT.value
    classification: str = Classification.OFFICIAL.value
    armed: bool = False
    locations: Sequence[LocationInput] = ()
    targets: Sequence[TargetInput] = ()
    group_id: int | None = None
    #: Needed when the operation started before it was registered: why it was not registered first.
    retrospective_reason: str | None = None


@dataclass(frozen=True)
class InterestInput:
    """A standing interest: in a subject (as a target is given) or in an organised crime group."""

    contact: str
    subject: TargetInput | None = None
    group_id: int | None = None
    reason: str = ""
    #: Your own words for the subject (default: the normalised identifier).
    label: str = ""
    expires_on: date | None = None
    #: Amber (call us before acting) rather than information (tell us).
    consult_before_action: bool = False


# --- cleaning input ---------------------------------------------------------------------------


@dataclass
class _Location:
    address: str
    postcode: str | None
    uprn: str | None
    latitude: float | None
    longitude: float | None
    radius_m: float
    entity_id: int | None


@dataclass
class _Target:
    kind: TargetKind
    value: str
    match_key: str
    entity_id: int | None
    method: str | None
    probability: float | None
    subject: InterestSubject


@dataclass
class _Operation:
    name: str
    officer: str
    contact_24h: str
    operation_type: OperationType
    visibility: Visibility
    classification: Classification
    armed: bool
    window: Window
    locations: list[_Location]
    targets: list[_Target]
    group_id: int | None
    retrospective_reason: str | None
    problems: dict[str, str] = field(default_factory=dict)


def clean_text(
    value: str | None, name: str, problems: dict[str, str], *, longest: int, required: bool = True
) -> str:
    cleaned = " ".join((value or "").replace("\x00", "").split())
    if required and not cleaned:
        problems[name] = "required"
    elif len(cleaned) > longest:
        problems[name] = f"keep it under {longest} characters"
    return cleaned


def _choice(
    enum: type[OperationType] | type[Visibility], value: str, name: str, problems: dict[str, str]
) -> object:
    cleaned = (value or "").strip().upper().replace(" ", "_").replace("-", "_")
    try:
        return enum(cleaned)
    except ValueError:
        problems[name] = f"choose one of {', '.join(member.value for member in enum)}"
        return None


def clean_operation(
    session: Session, data: OperationInput, *, rules: DeconflictionRules, now: datetime
) -> _Operation:
    """Every field checked, every problem named by its field; raises :class:`InvalidInputError`."""
    problems: dict[str, str] = {}
    name = clean_text(data.name, "name", problems, longest=200)
    officer = clean_text(data.officer, "officer", problems, longest=200)
    contact = clean_text(data.contact_24h, "contact_24h", problems, longest=200)
    operation_type = _choice(OperationType, data.operation_type, "operation_type", problems)
    visibility = _choice(Visibility, data.visibility, "visibility", problems)
    try:
        classification = parse_classification(data.classification)
    except ClassificationError as error:
        problems["classification"] = str(error)
        classification = Classification.OFFICIAL
    window = _window(data, problems)
    retrospective = None
    if window is not None and window.start < now - RETROSPECTIVE_AFTER:
        retrospective = clean_text(
            data.retrospective_reason, "retrospective_reason", problems, longest=MAX_TEXT, required=False
        )
        if len(retrospective) < 5 and "retrospective_reason" not in problems:
            problems["retrospective_reason"] = (
                "this operation started before it was registered: say why it was not checked first"
            )
    if not data.locations and not data.targets:
        problems["locations"] = "give at least one location or one target"
    if len(data.locations) > MAX_LOCATIONS:
        problems["locations"] = f"at most {MAX_LOCATIONS} locations"
    if len(data.targets) > MAX_TARGETS:
        problems["targets"] = f"at most {MAX_TARGETS} targets"
    saved = current_model(session) if any(t.kind.strip().upper() == "PERSON" for t in data.targets) else None
    locations = [
        clean_location(session, i, loc, problems, rules)
        for i, loc in enumerate(data.locations[:MAX_LOCATIONS])
    ]
    targets = [
        clean_target(session, f"targets[{i}]", t, problems, saved)
        for i, t in enumerate(data.targets[:MAX_TARGETS])
    ]
    if data.group_id is not None and session.get(OrganisedCrimeGroup, data.group_id) is None:
        problems["group_id"] = f"there is no organised crime group {data.group_id}"
    if problems:
        raise InvalidInputError(problems)
    assert window is not None
    return _Operation(
        name=name,
        officer=officer,
        contact_24h=contact,
        operation_type=operation_type,  # type: ignore[arg-type]
        visibility=visibility,  # type: ignore[arg-type]
        classification=classification,
        armed=bool(data.armed),
        window=window,
        locations=[loc for loc in locations if loc is not None],
        targets=[t for t in targets if t is not None],
        group_id=data.group_id,
        retrospective_reason=retrospective or None,
    )


def _window(data: OperationInput, problems: dict[str, str]) -> Window | None:
    if data.starts_at is None:
        problems["starts_at"] = "required: when does it start?"
        return None
    if data.ends_at is None and not data.standing:
        problems["ends_at"] = "required, unless the operation is standing (runs until further notice)"
        return None
    try:
        window = Window(data.starts_at, data.ends_at, standing=data.standing)
    except ValueError as error:
        field_name, _, reason = str(error).partition(": ")
        problems[field_name] = reason
        return None
    if not data.standing and window.end is not None and window.end - window.start > MAX_WINDOW:
        problems["ends_at"] = (
            f"a window longer than {MAX_WINDOW.days} days is a standing operation: mark it standing"
        )
    return window


def clean_location(
    session: Session, index: int, data: LocationInput, problems: dict[str, str], rules: DeconflictionRules
) -> _Location | None:
    where = f"locations[{index}]"
    before = len(problems)
    address = clean_text(data.address, f"{where}.address", problems, longest=300, required=False)
    postcode = uprn = None
    try:
        postcode = normalise_postcode(data.postcode) if (data.postcode or "").strip() else None
    except NormalisationError as error:
        problems[f"{where}.postcode"] = error.reason
    try:
        uprn = normalise_uprn(data.uprn) if (data.uprn or "").strip() else None
    except NormalisationError as error:
        problems[f"{where}.uprn"] = error.reason
    latitude, longitude = data.latitude, data.longitude
    if (latitude is None) != (longitude is None):
        problems[f"{where}.latitude"] = "give both latitude and longitude, or neither"
    elif latitude is not None and longitude is not None:
        try:
            check_point(latitude, longitude)
        except ValueError as error:
            name, _, reason = str(error).partition(": ")
            problems[f"{where}.{name}"] = reason
    radius = rules.default_radius_m if data.radius_m is None else float(data.radius_m)
    if not rules.min_radius_m <= radius <= rules.max_radius_m:
        problems[f"{where}.radius_m"] = f"between {rules.min_radius_m:g} and {rules.max_radius_m:g} metres"
    if latitude is None and not uprn and not address:
        problems[where] = "place it on the map, or give its UPRN or address"
    if len(problems) > before:
        return None
    fields = {
        name: value
        for name, value in (
            ("uprn", uprn),
            ("address", normalise_address(address) if address else None),
            ("postcode", postcode),
        )
        if value
    }
    entity_id = None
    if uprn or address:
        match = match_party(session, fields)
        entity_id = match.entity_id
    return _Location(address, postcode, uprn, latitude, longitude, radius, entity_id)


def clean_target(
    session: Session, where: str, data: TargetInput, problems: dict[str, str], saved: SavedModel | None
) -> _Target | None:
    try:
        kind = parse_kind(data.kind)
    except NormalisationError as error:
        problems[f"{where}.kind"] = error.reason
        return None
    if kind is TargetKind.ENTITY:
        entity = session.get(Entity, data.entity_id) if data.entity_id is not None else None
        if entity is None:
            problems[f"{where}.entity_id"] = (
                "give the number of a known entity"
                if data.entity_id is None
                else f"there is no entity {data.entity_id}"
            )
            return None
        return _Target(
            kind,
            f"entity {entity.id} ({entity.kind.value.lower()})",
            "",
            entity.id,
            "given",
            None,
            SUBJECT_OF_ENTITY[entity.kind],
        )
    try:
        identifier = normalise_identifier(kind, data.value, dob=data.dob)
    except NormalisationError as error:
        problems[f"{where}.{error.field}"] = error.reason
        return None
    entity_id = method = probability = None
    if identifier.fields:
        match = match_party(session, identifier.fields, saved=saved)
        entity_id, method, probability = match.entity_id, match.method, match.match_probability
    return _Target(
        kind,
        identifier.value,
        identifier.match_key,
        entity_id,
        method if entity_id else None,
        probability,
        identifier.subject,
    )


def write_definition(session: Session, operation: Operation, clean: _Operation) -> None:
    operation.name = clean.name
    operation.officer = clean.officer
    operation.contact_24h = clean.contact_24h
    operation.operation_type = clean.operation_type
    operation.visibility = clean.visibility
    operation.classification = clean.classification
    operation.armed = clean.armed
    operation.starts_at = clean.window.start
    operation.ends_at = clean.window.end
    operation.standing = clean.window.standing
    operation.group_id = clean.group_id
    if clean.retrospective_reason:
        operation.retrospective_reason = clean.retrospective_reason
    operation.locations = [
        OperationLocation(
            address=loc.address,
            postcode=loc.postcode,
            uprn=loc.uprn,
            latitude=loc.latitude,
            longitude=loc.longitude,
            radius_m=loc.radius_m,
            entity_id=loc.entity_id,
        )
        for loc in clean.locations
    ]
    operation.targets = [
        OperationTarget(
            identifier_kind=t.kind.value,
            identifier_value=t.value,
            match_key=t.match_key,
            entity_id=t.entity_id,
            resolution_method=t.method,
            match_probability=t.probability,
        )
        for t in clean.targets
    ]
    session.flush()
