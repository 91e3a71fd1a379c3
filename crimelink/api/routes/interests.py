"""/api/interests: your agency's standing flags of interest, with the conflicts they meet (blind).

Needs ``interest.register`` (an Organised Crime Advisor, a partner officer or an analyst; the ``write``
scope for registering and withdrawing). Registering checks the interest at once against every live
operation; withdrawing lapses its conflicts. Audited.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from crimelink.api.deps import CurrentActor, RulesDep, SessionDep
from crimelink.api.routes.operations import target_input
from crimelink.api.schemas.common import ErrorPublic, IdPath
from crimelink.api.schemas.deconfliction import InterestCreate, InterestListPublic, InterestPublic
from crimelink.services import deconfliction

router = APIRouter(prefix="/interests", tags=["deconfliction"])


@router.get("")
def my_interests(
    db: SessionDep, rules: RulesDep, actor: CurrentActor, include_inactive: bool = False
) -> InterestListPublic:
    """Your agency's interests (active ones unless asked), each with its conflicts, blind."""
    views = deconfliction.my_interests(db, actor, include_inactive=include_inactive, rules=rules)
    db.commit()
    return InterestListPublic.model_validate({"interests": [asdict(v) for v in views]})


@router.post("", status_code=201)
def register_interest(
    body: InterestCreate, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> InterestPublic:
    """Flag a subject (as a target is given) or an organised crime group; checked at once."""
    view = deconfliction.register_interest(
        db,
        actor,
        deconfliction.InterestInput(
            contact=body.contact,
            subject=target_input(body.subject) if body.subject is not None else None,
            group_id=body.group_id,
            reason=body.reason,
            label=body.label,
            expires_on=body.expires_on,
            consult_before_action=body.consult_before_action,
        ),
        rules=rules,
    )
    db.commit()
    return InterestPublic.model_validate(view, from_attributes=True)


@router.get("/{interest_id}")
def get_interest(interest_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor) -> InterestPublic:
    """One of your agency's interests (the desk: any) with its conflicts."""
    view = deconfliction.get_interest(db, actor, interest_id, rules=rules)
    db.commit()
    return InterestPublic.model_validate(view, from_attributes=True)


@router.post(
    "/{interest_id}/withdraw",
    responses={409: {"model": ErrorPublic, "description": "The interest was already withdrawn"}},
)
def withdraw_interest(
    interest_id: IdPath, db: SessionDep, rules: RulesDep, actor: CurrentActor
) -> InterestPublic:
    """Withdraw the interest: its open conflicts lapse and the other sides are told."""
    view = deconfliction.withdraw_interest(db, actor, interest_id, rules=rules)
    db.commit()
    return InterestPublic.model_validate(view, from_attributes=True)
