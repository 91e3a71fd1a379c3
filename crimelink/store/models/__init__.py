"""SQLAlchemy models of the store. Import from here, not from the submodules."""

from crimelink.store.models.access import (
    ApiToken,
    Compartment,
    DisclosureRequest,
    SharingAgreement,
    UserSession,
)
from crimelink.store.models.agencies import Agency, Dataset, User
from crimelink.store.models.audit import AuditEvent
from crimelink.store.models.base import Base
from crimelink.store.models.entities import (
    Entity,
    EntityMerge,
    EntityRelationship,
    RecordEntityLink,
    RelationshipEvidence,
)
from crimelink.store.models.groups import (
    GroupCandidateDecision,
    GroupMembership,
    GroupScoreRecord,
    OrganisedCrimeGroup,
)
from crimelink.store.models.linkage import LinkageKey, LinkageModel, MatchCandidate, MatchJudgement
from crimelink.store.models.linkage_runs import LinkageRun
from crimelink.store.models.partnership import (
    DeconflictionNotification,
    Interest,
    Operation,
    OperationCell,
    OperationConflict,
    OperationLocation,
    OperationTarget,
)
from crimelink.store.models.planning import (
    AssistanceRequest,
    Contact,
    DisruptionPlan,
    Initiative,
    Meeting,
    MeetingResolution,
    Outcome,
    PartnershipObjective,
    PlanAction,
    PlanActionEvent,
    ReminderSent,
    Tactic,
)
from crimelink.store.models.records import (
    ImportRun,
    IntelligenceEvaluation,
    IntelligenceReport,
    QuarantineEntry,
    RecordScreening,
    ReportSubject,
    SourceRecord,
)
from crimelink.store.models.safeguarding import (
    SafeguardingAction,
    SafeguardingAlert,
    SafeguardingEvidence,
)

__all__ = [
    "Agency",
    "ApiToken",
    "AssistanceRequest",
    "AuditEvent",
    "Base",
    "Compartment",
    "Contact",
    "Dataset",
    "DeconflictionNotification",
    "DisclosureRequest",
    "DisruptionPlan",
    "Entity",
    "EntityMerge",
    "EntityRelationship",
    "GroupCandidateDecision",
    "GroupMembership",
    "GroupScoreRecord",
    "ImportRun",
    "Initiative",
    "IntelligenceEvaluation",
    "IntelligenceReport",
    "Interest",
    "LinkageKey",
    "LinkageModel",
    "LinkageRun",
    "MatchCandidate",
    "MatchJudgement",
    "Meeting",
    "MeetingResolution",
    "Operation",
    "OperationCell",
    "OperationConflict",
    "OperationLocation",
    "OperationTarget",
    "OrganisedCrimeGroup",
    "Outcome",
    "PartnershipObjective",
    "PlanAction",
    "PlanActionEvent",
    "QuarantineEntry",
    "RecordEntityLink",
    "RecordScreening",
    "RelationshipEvidence",
    "ReminderSent",
    "ReportSubject",
    "SafeguardingAction",
    "SafeguardingAlert",
    "SafeguardingEvidence",
    "SharingAgreement",
    "SourceRecord",
    "Tactic",
    "User",
    "UserSession",
]
