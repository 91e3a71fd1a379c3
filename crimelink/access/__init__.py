"""Need-to-know: the one access policy and what it needs from the store."""

from crimelink.access.context import AccessContext, load_access_context
from crimelink.access.policy import (
    Action,
    Actor,
    AgencyResource,
    Decision,
    RecordResource,
    SharingState,
    allowed,
    record_visible,
)

__all__ = [
    "AccessContext",
    "Action",
    "Actor",
    "AgencyResource",
    "Decision",
    "RecordResource",
    "SharingState",
    "allowed",
    "load_access_context",
    "record_visible",
]
