"""The one access policy: ``allowed(actor, action, resource)`` decides every read and write.

The visibility rule for records is written down in ``docs/access.md``; this module is its only
implementation. Every decision carries its reason so pages, the API and the audit can say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from crimelink.domain import (
    Classification,
    DataCategory,
    HandlingCode,
    HandlingCondition,
    HandlingConditionCode,
    Purpose,
    UserRole,
)


class Action(StrEnum):
    """Named actions. Each is documented in docs/access.md; a test fails if one is not."""

    RECORD_VIEW = "record.view"
    RECORD_SEARCH = "record.search"
    INTELLIGENCE_VIEW_RAW = "intelligence.view_raw"
    INTELLIGENCE_SUBMIT = "intelligence.submit"
    DATASET_IMPORT = "dataset.import"
    DISCLOSURE_REQUEST = "disclosure.request"
    DISCLOSURE_DECIDE = "disclosure.decide"
    AGENCY_MANAGE = "agency.manage"
    USER_MANAGE = "user.manage"
    COMPARTMENT_MANAGE = "compartment.manage"
    AGREEMENT_MANAGE = "agreement.manage"
    AUDIT_READ = "audit.read"
    TOKEN_MANAGE = "token.manage"
    ENTITY_JUDGE = "entity.judge"
    ENTITY_RESOLVE = "entity.resolve"
    SAFEGUARDING_VIEW = "safeguarding.view"
    SAFEGUARDING_ACT = "safeguarding.act"
    SAFEGUARDING_SCAN = "safeguarding.scan"
    NETWORK_VIEW = "network.view"
    GROUP_VIEW = "group.view"
    GROUP_MANAGE = "group.manage"
    OPERATION_REGISTER = "operation.register"
    OPERATION_VIEW = "operation.view"
    INTEREST_REGISTER = "interest.register"
    DECONFLICTION_BOARD = "deconfliction.board"
    DECONFLICTION_RESOLVE = "deconfliction.resolve"
    TACTIC_VIEW = "tactic.view"
    PLAN_VIEW = "plan.view"
    PLAN_MANAGE = "plan.manage"
    ACTION_UPDATE = "action.update"
    PARTNERSHIP_VIEW = "partnership.view"
    PARTNERSHIP_MANAGE = "partnership.manage"
    REQUEST_SUBMIT = "request.submit"
    REQUEST_ROUTE = "request.route"
    OUTCOME_VIEW = "outcome.view"
    OUTCOME_RECORD = "outcome.record"
    CONTACT_MANAGE = "contact.manage"
    REMINDER_SEND = "reminder.send"
    EXPORT_RUN = "export.run"
    REPORT_BUILD = "report.build"


_READERS = frozenset(
    {
        UserRole.ORGANISED_CRIME_ADVISOR,
        UserRole.PARTNER_OFFICER,
        UserRole.ANALYST,
        UserRole.COORDINATOR,
        UserRole.DECONFLICTION_DESK,
        UserRole.SAFEGUARDING_LEAD,
    }
)
_CONTRIBUTORS = frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.PARTNER_OFFICER, UserRole.ANALYST})

#: Which roles may attempt each action at all. Record actions then also pass the visibility rule.
ROLE_PERMISSIONS: dict[Action, frozenset[UserRole]] = {
    Action.RECORD_VIEW: _READERS,
    Action.RECORD_SEARCH: _READERS,
    Action.INTELLIGENCE_VIEW_RAW: _READERS,
    Action.INTELLIGENCE_SUBMIT: _CONTRIBUTORS,
    Action.DATASET_IMPORT: frozenset({UserRole.ANALYST}),
    Action.DISCLOSURE_REQUEST: _READERS,
    Action.DISCLOSURE_DECIDE: _CONTRIBUTORS,
    Action.AGENCY_MANAGE: frozenset({UserRole.ADMINISTRATOR}),
    Action.USER_MANAGE: frozenset({UserRole.ADMINISTRATOR}),
    Action.COMPARTMENT_MANAGE: frozenset({UserRole.ADMINISTRATOR}),
    Action.AGREEMENT_MANAGE: frozenset({UserRole.ADMINISTRATOR}),
    Action.AUDIT_READ: frozenset({UserRole.AUDITOR}),
    Action.TOKEN_MANAGE: frozenset(UserRole),
    # Judging also needs record.view on every record judged (crimelink.services.review checks each).
    Action.ENTITY_JUDGE: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.ANALYST}),
    Action.ENTITY_RESOLVE: frozenset({UserRole.ANALYST}),
    # An alert's evidence also passes record.view, record by record (crimelink.services.safeguarding).
    Action.SAFEGUARDING_VIEW: frozenset({UserRole.SAFEGUARDING_LEAD}),
    Action.SAFEGUARDING_ACT: frozenset({UserRole.SAFEGUARDING_LEAD}),
    Action.SAFEGUARDING_SCAN: frozenset({UserRole.SAFEGUARDING_LEAD, UserRole.ANALYST}),
    # The network holds only what the actor's records show (crimelink.services.network).
    Action.NETWORK_VIEW: _READERS,
    Action.GROUP_VIEW: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.ANALYST, UserRole.COORDINATOR}),
    Action.GROUP_MANAGE: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.ANALYST}),
    # Operations and interests belong to an agency: the deconfliction services check the agency too, and
    # show another agency's side only blind (crimelink.deconflict.blind).
    Action.OPERATION_REGISTER: frozenset(
        {UserRole.ORGANISED_CRIME_ADVISOR, UserRole.PARTNER_OFFICER, UserRole.DECONFLICTION_DESK}
    ),
    Action.OPERATION_VIEW: frozenset(
        {
            UserRole.ORGANISED_CRIME_ADVISOR,
            UserRole.PARTNER_OFFICER,
            UserRole.ANALYST,
            UserRole.COORDINATOR,
            UserRole.DECONFLICTION_DESK,
        }
    ),
    Action.INTEREST_REGISTER: frozenset(
        {UserRole.ORGANISED_CRIME_ADVISOR, UserRole.PARTNER_OFFICER, UserRole.ANALYST}
    ),
    Action.DECONFLICTION_BOARD: frozenset({UserRole.DECONFLICTION_DESK}),
    Action.DECONFLICTION_RESOLVE: frozenset({UserRole.DECONFLICTION_DESK}),
    # Disruption and the co-ordinated plan (docs/plan.md). A disruption plan is about a group, so it is
    # read by those who read groups; an action is also shown to the agency it is given to, which updates
    # it (crimelink.services.plan_actions checks the agency).
    Action.TACTIC_VIEW: _READERS,
    Action.PLAN_VIEW: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.ANALYST, UserRole.COORDINATOR}),
    Action.PLAN_MANAGE: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.COORDINATOR}),
    Action.ACTION_UPDATE: _READERS,
    Action.PARTNERSHIP_VIEW: _READERS,
    Action.PARTNERSHIP_MANAGE: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.COORDINATOR}),
    Action.REQUEST_SUBMIT: _READERS,
    Action.REQUEST_ROUTE: frozenset({UserRole.ORGANISED_CRIME_ADVISOR, UserRole.COORDINATOR}),
    Action.OUTCOME_VIEW: _READERS,
    Action.OUTCOME_RECORD: _READERS,
    Action.CONTACT_MANAGE: frozenset({UserRole.COORDINATOR, UserRole.ADMINISTRATOR}),
    # The co-ordinator reads every overdue action and request (the preview lists their titles).
    Action.REMINDER_SEND: frozenset({UserRole.COORDINATOR}),
    # An export holds only what the actor's network shows (crimelink.services.exports).
    Action.EXPORT_RUN: frozenset(
        {UserRole.ORGANISED_CRIME_ADVISOR, UserRole.ANALYST, UserRole.PARTNER_OFFICER}
    ),
    # A report holds only what the actor may see: each section passes its own action and the record rule
    # (crimelink.services.local_profile, crimelink.services.group_pack); a partner builds its own copy.
    Action.REPORT_BUILD: _READERS,
}

#: API token scopes and the actions each lets a machine client take.
TOKEN_SCOPES: dict[str, frozenset[Action]] = {
    "read": frozenset(
        {
            Action.RECORD_VIEW,
            Action.RECORD_SEARCH,
            Action.INTELLIGENCE_VIEW_RAW,
            Action.AUDIT_READ,
            Action.SAFEGUARDING_VIEW,
            Action.NETWORK_VIEW,
            Action.GROUP_VIEW,
            Action.OPERATION_VIEW,
            Action.DECONFLICTION_BOARD,
            Action.TACTIC_VIEW,
            Action.PLAN_VIEW,
            Action.PARTNERSHIP_VIEW,
            Action.OUTCOME_VIEW,
            Action.EXPORT_RUN,
            Action.REPORT_BUILD,
        }
    ),
    "write": frozenset(
        {
            Action.INTELLIGENCE_SUBMIT,
            Action.DISCLOSURE_REQUEST,
            Action.DISCLOSURE_DECIDE,
            Action.ENTITY_JUDGE,
            Action.SAFEGUARDING_ACT,
            Action.GROUP_MANAGE,
            Action.OPERATION_REGISTER,
            Action.INTEREST_REGISTER,
            Action.DECONFLICTION_RESOLVE,
            Action.PLAN_MANAGE,
            Action.ACTION_UPDATE,
            Action.PARTNERSHIP_MANAGE,
            Action.REQUEST_SUBMIT,
            Action.REQUEST_ROUTE,
            Action.OUTCOME_RECORD,
            Action.REMINDER_SEND,
        }
    ),
    "import": frozenset({Action.DATASET_IMPORT, Action.ENTITY_RESOLVE, Action.SAFEGUARDING_SCAN}),
    "admin": frozenset(
        {
            Action.AGENCY_MANAGE,
            Action.USER_MANAGE,
            Action.COMPARTMENT_MANAGE,
            Action.AGREEMENT_MANAGE,
            Action.CONTACT_MANAGE,
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or a machine client holding one of their API tokens."""

    user_id: int
    username: str
    agency_id: int
    agency_code: str
    agency_is_police: bool
    roles: frozenset[UserRole]
    clearance: Classification
    compartments: frozenset[str]
    purpose: Purpose
    #: Scopes of the API token in use; ``None`` for a browser session (no scope limit).
    scopes: frozenset[str] | None = None


@dataclass(frozen=True)
class SharingState:
    """What the rule needs to know beyond the actor and the record, as of ``today``.

    ``agreements`` holds (from agency, to agency, category, purpose) for every agreement in force;
    ``grants`` holds (record id, agency id) for every disclosure granted and not expired.
    """

    agreements: frozenset[tuple[int, int, DataCategory, Purpose]]
    grants: frozenset[tuple[int, int]]
    today: date


@dataclass(frozen=True)
class RecordResource:
    """The facts about one record that visibility depends on."""

    record_id: int
    agency_id: int
    category: DataCategory
    handling_code: HandlingCode
    conditions: tuple[HandlingCondition, ...]
    classification: Classification
    compartments: frozenset[str]
    sharing: SharingState
    #: Police agencies' ids: a POLICE_ONLY condition allows exactly these.
    police_agency_ids: frozenset[int] = field(default=frozenset())
    #: Agency codes by id, for NAMED_RECIPIENTS conditions (which name agencies by code).
    agency_codes: dict[int, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class AgencyResource:
    """An action confined to one agency's business (deciding its disclosures, its own tokens)."""

    agency_id: int


Resource = RecordResource | AgencyResource | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def allowed(actor: Actor, action: Action, resource: Resource = None) -> Decision:
    """Decide whether ``actor`` may take ``action`` on ``resource``; the reason says why (not).

    >>> # an administrator may manage agencies, but (by role) may not read partner records
    """
    if not actor.roles & ROLE_PERMISSIONS[action]:
        return Decision(
            False,
            f"the {action.value} action needs one of the roles "
            f"{', '.join(sorted(r.value for r in ROLE_PERMISSIONS[action]))}",
        )
    if actor.scopes is not None and not any(action in TOKEN_SCOPES.get(s, frozenset()) for s in actor.scopes):
        return Decision(
            False,
            f"the API token's scopes ({', '.join(sorted(actor.scopes)) or 'none'}) "
            f"do not cover {action.value}",
        )
    if isinstance(resource, AgencyResource) and resource.agency_id != actor.agency_id:
        return Decision(False, "only the agency concerned may do this")
    if isinstance(resource, RecordResource):
        visible = record_visible(actor, resource)
        if not visible or action is not Action.INTELLIGENCE_VIEW_RAW:
            return visible
        originator = actor.agency_id == resource.agency_id
        police_to_police = actor.agency_is_police and resource.agency_id in resource.police_agency_ids
        if not (originator or police_to_police):
            return Decision(
                False,
                "raw intelligence text stays with the originator (and, for police intelligence, the police); "
                "the sanitised text is shown",
            )
    return Decision(True, "allowed")


def record_visible(actor: Actor, record: RecordResource) -> Decision:
    """The visibility rule of docs/access.md, clause by clause."""
    if actor.agency_id == record.agency_id:
        return Decision(True, "your agency holds this record")
    if actor.clearance.rank < record.classification.rank:
        return Decision(False, f"the record is {record.classification.value}, above your clearance")
    if (
        record.classification is Classification.OFFICIAL_SENSITIVE
        and not record.compartments <= actor.compartments
    ):
        missing = ", ".join(sorted(record.compartments - actor.compartments))
        return Decision(
            False, f"the record is OFFICIAL-SENSITIVE in compartment(s) {missing}, which you are not in"
        )
    if (record.record_id, actor.agency_id) in record.sharing.grants:
        return Decision(True, "a disclosure of this record to your agency was granted")
    if (record.agency_id, actor.agency_id, record.category, actor.purpose) not in record.sharing.agreements:
        return Decision(
            False,
            f"no sharing agreement covers {record.category.value} data for the purpose "
            f"{actor.purpose.value} from the holding agency to yours",
        )
    if record.handling_code is HandlingCode.CONDITIONS:
        for condition in record.conditions:
            refusal = _condition_refuses(condition, actor, record)
            if refusal:
                return Decision(False, refusal)
    return Decision(True, "shared under a sharing agreement")


def _condition_refuses(condition: HandlingCondition, actor: Actor, record: RecordResource) -> str | None:
    code = condition.code
    if code is HandlingConditionCode.POLICE_ONLY and actor.agency_id not in record.police_agency_ids:
        return "handling condition: police only"
    if code is HandlingConditionCode.NAMED_RECIPIENTS and record.agency_codes.get(actor.agency_id) not in set(
        condition.recipients
    ):
        return "handling condition: named recipients only, and your agency is not named"
    if code is HandlingConditionCode.NO_FURTHER_DISSEMINATION:
        return "handling condition: no further dissemination beyond the originator"
    if (
        code is HandlingConditionCode.TIME_LIMITED
        and condition.until is not None
        and record.sharing.today > condition.until
    ):
        return f"handling condition: sharing ended on {condition.until.isoformat()}"
    if code is HandlingConditionCode.FREE_TEXT:
        return "handling condition set in free text: ask the originator"
    return None
