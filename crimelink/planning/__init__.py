"""Disruption planning: the menu of tactics put to work. Pure logic; imports only :mod:`crimelink.domain`.

:mod:`crimelink.planning.recommend` ranks tactics for a target from its facts, with reasons;
:mod:`crimelink.planning.rules` loads the editable rules it applies (``tactic_rules.yaml``).
"""

from crimelink.planning.recommend import (
    KEY_PLAYERS,
    THREAT_FIT,
    Aim,
    EntitySeen,
    KeyPlayer,
    Reason,
    ReasonInput,
    Recommendation,
    RecordParty,
    RecordSeen,
    Sign,
    TargetFacts,
    ThreatSeen,
    read_signs,
    recommend,
)
from crimelink.planning.rules import (
    BUILT_IN_SIGNS,
    RULES_FILE_NAME,
    Rule,
    TacticRules,
    default_rules,
    is_protected_field,
    load_rules,
)

__all__ = [
    "BUILT_IN_SIGNS",
    "KEY_PLAYERS",
    "RULES_FILE_NAME",
    "THREAT_FIT",
    "Aim",
    "EntitySeen",
    "KeyPlayer",
    "Reason",
    "ReasonInput",
    "Recommendation",
    "RecordParty",
    "RecordSeen",
    "Rule",
    "Sign",
    "TacticRules",
    "TargetFacts",
    "ThreatSeen",
    "default_rules",
    "is_protected_field",
    "load_rules",
    "read_signs",
    "recommend",
]
