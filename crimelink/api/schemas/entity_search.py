"""Entity search as the API shows it: entities named from records you may see, notices for the rest."""

from __future__ import annotations

from pydantic import BaseModel

from crimelink.api.schemas.records import HoldingNoticePublic


class MatchReasonPublic(BaseModel):
    """One reason an entity matched: a comparison (``name``, ``dob``, ``vrm`` ...) and the level reached."""

    comparison: str
    level: str
    #: The model's weight of that level (log2 Bayes factor); ``null`` for exact identifier matches.
    weight: float | None


class EntityMatchPublic(BaseModel):
    """An entity found, as the matching records you may see describe it; /api/entities/{id} has more."""

    id: int
    kind: str
    display_name: str | None
    attributes: dict[str, str]
    #: The reasons as one line: "name: metaphone of both; dob: day and month transposed".
    why: str
    reasons: list[MatchReasonPublic]
    #: People only: the weight of evidence in the terms given (each point doubles the odds); it ranks them.
    score: float | None
    #: People only: the saved model's match weight (the score plus its prior) and match probability.
    match_weight: float | None
    match_probability: float | None
    #: The matching records you may see.
    record_ids: list[int]


class EntitySearchPublic(BaseModel):
    #: The terms as searched, normalised as stored records are ("dob": "1990-04-03").
    terms: dict[str, str]
    kind: str | None
    entities: list[EntityMatchPublic]
    #: Matching records you may not see: who holds how many, and whom to ask (hit / no-hit).
    held_elsewhere: list[HoldingNoticePublic]
    #: More entities matched than ``limit``.
    truncated: bool
    #: Over 2,000 matching parties: only the closest were examined; notice counts are lower bounds.
    capped: bool
    candidates: int
    #: The person model that scored the matches.
    model_version: str
    #: The highest classification among the records the results come from.
    marking: str
