"""Operational deconfliction rules (``DOMAIN.md`` §6, ``docs/deconfliction.md``): pure and store-free.

- :mod:`~crimelink.deconflict.rules`: the settings (buffer, radii, grades, escalation, the desk's words);
- :mod:`~crimelink.deconflict.windows` and :mod:`~crimelink.deconflict.geometry`: time and distance;
- :mod:`~crimelink.deconflict.index`: the grid cells and time buckets a check looks up;
- :mod:`~crimelink.deconflict.identifiers`: targets as normalised identifiers and match keys;
- :mod:`~crimelink.deconflict.assess`: grading a pair of operations, or an operation and an interest;
- :mod:`~crimelink.deconflict.blind`: what one side may learn of the other.

The services (:mod:`crimelink.services.deconfliction`) gather facts from the store and call these; this
package never imports the access policy, services, the API or the web layer.
"""

from crimelink.deconflict.assess import (
    Finding,
    InterestFacts,
    LocationFacts,
    OperationFacts,
    Reason,
    TargetFacts,
    assess_interest,
    assess_operations,
)
from crimelink.deconflict.blind import Counterpart, Side, counterpart_for
from crimelink.deconflict.geometry import distance_m
from crimelink.deconflict.identifiers import Identifier, normalise_identifier
from crimelink.deconflict.rules import DEFAULT_RULES, DeconflictionRules
from crimelink.deconflict.windows import Window

__all__ = [
    "DEFAULT_RULES",
    "Counterpart",
    "DeconflictionRules",
    "Finding",
    "Identifier",
    "InterestFacts",
    "LocationFacts",
    "OperationFacts",
    "Reason",
    "Side",
    "TargetFacts",
    "Window",
    "assess_interest",
    "assess_operations",
    "counterpart_for",
    "distance_m",
    "normalise_identifier",
]
