"""/api/intelligence: submit a graded intelligence report (3x5x2, handling conditions, classification)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.records import RecordPublic
from crimelink.services.intelligence import submit_intelligence
from crimelink.services.records import RecordView, get_record

router = APIRouter(prefix="/intelligence", tags=["intelligence"])


class IntelligenceCreate(BaseModel):
    """The intelligence form. Codes as in docs/mapping.md; bad values come back as 422 per field."""

    model_config = ConfigDict(extra="forbid")

    source_evaluation: str = Field(max_length=5, description="1 Reliable, 2 Untested, 3 Not reliable")
    intelligence_assessment: str = Field(max_length=5, description="A to E")
    handling_code: str = Field(default="P", max_length=5, description="P, or C with conditions")
    handling_conditions: str = Field(
        default="", max_length=1000, description="';'-separated, e.g. POLICE_ONLY"
    )
    classification: str = Field(default="OFFICIAL", max_length=40)
    caveats: str = Field(default="", max_length=500, description="';'-separated compartments")
    text: str = Field(max_length=20000, description="Sanitised text: what partners may see")
    text_raw: str = Field(
        default="", max_length=20000, description="Unsanitised text (stays with the police)"
    )
    threats: str = Field(default="", max_length=1000, description="';'-separated criminality types")
    event_date: str = Field(default="", max_length=40)
    subject_name: str = Field(default="", max_length=300)
    subject_dob: str = Field(default="", max_length=40)
    subject_address: str = Field(default="", max_length=500)
    subject_postcode: str = Field(default="", max_length=20)
    subject_phone: str = Field(default="", max_length=40)
    vehicle_vrm: str = Field(default="", max_length=20)
    location_address: str = Field(default="", max_length=500)
    location_postcode: str = Field(default="", max_length=20)
    business_name: str = Field(default="", max_length=300)


@router.post("", status_code=status.HTTP_201_CREATED)
def submit(body: IntelligenceCreate, db: SessionDep, actor: CurrentActor) -> RecordPublic:
    report = submit_intelligence(db, actor, form=body.model_dump())
    db.commit()
    view = get_record(db, actor, report.source_record_id)
    db.commit()
    assert isinstance(view, RecordView)  # the originator always sees its own records
    return RecordPublic.model_validate(asdict(view))
