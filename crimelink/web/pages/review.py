"""The review queue, judgements and the entity page's "not this person": people correcting linkage.

JSON twins: /api/review/pairs, /api/judgements and /api/entities/{id}/judgements. A pair is shown side
by side with the level and weight of every comparison; the analyst answers same, different or unsure
with a reason, and with htmx the pair is answered in place (it leaves the queue). A judgement applies
from the next linkage run; reversing it lets the model decide again.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import MAX_ID, IdPath
from crimelink.domain import Classification, EntityKind
from crimelink.errors import InvalidInputError
from crimelink.services import review
from crimelink.services.auth import SignedIn
from crimelink.web.deps import CheckedForm, Viewer
from crimelink.web.forms import text
from crimelink.web.pages.records import field_label, field_value, without_nul
from crimelink.web.rendering import render

router = APIRouter()

#: Pairs per page of the queue, judgements per page of the history.
PAGE_SIZE = 20

COMPARISON_LABELS = {
    "name": "Name",
    "dob": "Date of birth",
    "location": "Address and postcode",
    "phone": "Phone",
    "identifier": "National identifier",
}
DECISION_LABELS = {"same": "Same", "different": "Different", "unsure": "Unsure"}
#: A weight this large (in either direction) fills its bar: about a million to one.
WEIGHT_SCALE = 20.0
#: The nouns the entity page's "not this ..." form may name.
NOUNS = {kind.value.lower().replace("_", " ") for kind in EntityKind}


def weight_text(weight: float) -> str:
    """A weight as a signed number: for the match (+) or against it (-).

    >>> weight_text(10.626), weight_text(-2.7), weight_text(0.0)
    ('+10.63', '−2.70', '0.00')
    """
    if abs(weight) < 0.005:
        return "0.00"
    return f"+{weight:.2f}" if weight > 0 else f"−{-weight:.2f}"


def weight_bar(weight: float) -> float:
    """How much of the bar a weight fills, 0 to WEIGHT_SCALE."""
    return round(min(abs(weight), WEIGHT_SCALE), 2)


def side_by_side(pair: review.ReviewPair) -> list[tuple[str, str, str]]:
    """(field, left value, right value) for every field either party has, left's order first."""
    names = list(pair.left.fields) + [n for n in pair.right.fields if n not in pair.left.fields]
    rows = []
    for name in names:
        left, right = field_value(pair.left.fields.get(name)), field_value(pair.right.fields.get(name))
        if left or right:
            rows.append((field_label(name), left, right))
    return rows


def _pair_context() -> dict[str, Any]:
    return {
        "comparison_labels": COMPARISON_LABELS,
        "decision_labels": DECISION_LABELS,
        "weight_text": weight_text,
        "weight_bar": weight_bar,
        "weight_scale": WEIGHT_SCALE,
        "side_by_side": side_by_side,
    }


def _marking(pairs: list[review.ReviewPair]) -> Classification:
    sensitive = any(
        side.classification == Classification.OFFICIAL_SENSITIVE.value
        for pair in pairs
        for side in (pair.left, pair.right)
    )
    return Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL


def _percent(value: str, name: str) -> float | None:
    """A filter typed as a percentage ("60"), as a probability (0.6); blank means no filter."""
    value = value.strip().rstrip("%")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInputError(name, "enter a percentage between 0 and 100, e.g. 60") from None
    if not 0 <= number <= 100:
        raise InvalidInputError(name, "enter a percentage between 0 and 100, e.g. 60")
    return number / 100


# --- the queue -----------------------------------------------------------------------------------


@router.get("/review")
def review_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    min_percent: str = "",
    max_percent: str = "",
    judged: str = "",
) -> Response:
    low = _percent(without_nul(min_percent), "min_percent")
    high = _percent(without_nul(max_percent), "max_percent")
    queue = review.review_queue(
        db,
        viewer.actor,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        min_probability=low,
        max_probability=high,
    )
    db.commit()  # the view's audit event
    filters = {k: v for k, v in (("min_percent", min_percent), ("max_percent", max_percent)) if v.strip()}
    api_filters = {k: v for k, v in (("min_probability", low), ("max_probability", high)) if v is not None}
    pages = max(1, -(-queue.total // PAGE_SIZE))
    notice = ""
    if judged.isdigit():
        notice = (
            f"Judgement {judged} recorded. It applies from the next linkage run; the pair has left the queue."
        )
    return render(
        request,
        "review/queue.html",
        viewer=viewer,
        title="Review queue",
        marking=Classification(queue.marking),
        json_url="/api/review/pairs?" + urlencode(api_filters | {"limit": PAGE_SIZE, "offset": queue.offset}),
        nav_key="review",
        notice=notice,
        queue=queue,
        min_percent=without_nul(min_percent).strip(),
        max_percent=without_nul(max_percent).strip(),
        page=page,
        pages=pages,
        previous_url=_page_url("/review", filters, page - 1) if page > 1 else "",
        next_url=_page_url("/review", filters, page + 1) if page < pages else "",
        forms={},
        **_pair_context(),
    )


def _page_url(path: str, filters: dict[str, str], page: int) -> str:
    query = urlencode(filters | ({"page": str(page)} if page > 1 else {}))
    return f"{path}?{query}" if query else path


@router.get("/review/pairs/{candidate_id}")
def pair_page(request: Request, candidate_id: IdPath, viewer: Viewer, db: SessionDep) -> Response:
    pair = review.candidate_pair(db, viewer.actor, candidate_id)
    db.commit()  # the view's audit event
    return _pair_page(request, viewer, pair, values={}, errors={})


def _pair_page(
    request: Request,
    viewer: SignedIn,
    pair: review.ReviewPair,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "review/pair.html",
        viewer=viewer,
        title=f"Pair {pair.id}: {pair.match_probability:.1%} likely the same",
        status_code=status_code,
        marking=_marking([pair]),
        nav_key="review",
        pair=pair,
        values=values,
        errors=errors,
        **_pair_context(),
    )


@router.post("/review/pairs/{candidate_id}/judgement")
def judge_pair(
    request: Request, candidate_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    """Same, different or unsure (the button pressed), with a reason; with htmx answered in place."""
    htmx = bool(request.headers.get("HX-Request"))
    values = {"decision": without_nul(text(form, "decision")), "reason": without_nul(text(form, "reason"))}
    pair = review.candidate_pair(db, viewer.actor, candidate_id)
    try:
        judgement = review.judge_pair(
            db,
            viewer.actor,
            left=(pair.left.record_id, pair.left.party),
            right=(pair.right.record_id, pair.right.party),
            decision=values["decision"],
            reason=values["reason"],
        )
    except InvalidInputError as exc:
        db.rollback()
        errors = _form_errors(exc, fields=("decision", "reason"))
        if htmx:  # htmx swaps in only successful answers, so the pair with its errors comes back as 200
            return render(
                request,
                "review/_pair.html",
                viewer=viewer,
                title="",
                pair=pair,
                values=values,
                errors=errors,
                **_pair_context(),
            )
        return _pair_page(request, viewer, pair, values=values, errors=errors, status_code=422)
    db.commit()
    if htmx:
        return render(
            request,
            "review/_judged.html",
            viewer=viewer,
            title="",
            pair=pair,
            judgement=judgement,
            decision_labels=DECISION_LABELS,
        )
    return RedirectResponse(f"/review?judged={judgement.id}", status_code=303)


def _form_errors(exc: InvalidInputError, *, fields: tuple[str, ...]) -> dict[str, str]:
    """The problems by form field; one about something the form does not show goes with its last field."""
    errors: dict[str, str] = {}
    for name, problem in exc.problems.items():
        target = name if name in fields else fields[-1]
        errors[target] = problem if target == name else f"{name}: {problem}"
    return errors


# --- judgements ----------------------------------------------------------------------------------


@router.get("/review/judgements")
def judgements_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    judged: str = "",
) -> Response:
    found = review.recent_judgements(db, viewer.actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    db.commit()  # the view's audit event
    pages = max(1, -(-found.total // PAGE_SIZE))
    notice = ""
    if judged.isdigit() and any(str(j.id) == judged for j in found.judgements):
        notice = f"Judgement {judged} recorded. It applies from the next linkage run."
    return render(
        request,
        "review/judgements.html",
        viewer=viewer,
        title="Judgements",
        json_url=f"/api/judgements?{urlencode({'limit': PAGE_SIZE, 'offset': found.offset})}",
        nav_key="review",
        notice=notice,
        found=found,
        may_judge=True,
        reverse_errors={},
        decision_labels=DECISION_LABELS,
        page=page,
        pages=pages,
        previous_url=_page_url("/review/judgements", {}, page - 1) if page > 1 else "",
        next_url=_page_url("/review/judgements", {}, page + 1) if page < pages else "",
    )


@router.post("/review/judgements/{judgement_id}/reverse")
def reverse_judgement(
    request: Request, judgement_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    """Reverse a judgement, saying why; with htmx its row is answered in place."""
    reason = without_nul(text(form, "reason"))
    try:
        judgement = review.reverse(db, viewer.actor, judgement_id=judgement_id, reason=reason)
    except InvalidInputError as exc:
        db.rollback()
        if not request.headers.get("HX-Request"):
            raise
        current = review.get_judgement(db, viewer.actor, judgement_id)
        errors = {current.id: _form_errors(exc, fields=("reason",))["reason"]}
        return _row(request, viewer, current, errors=errors, reason=reason)
    db.commit()
    if request.headers.get("HX-Request"):
        return _row(request, viewer, judgement, errors={}, reason="")
    return RedirectResponse(f"/review/judgements?judged={judgement.id}", status_code=303)


def _row(
    request: Request,
    viewer: SignedIn,
    judgement: review.JudgementView,
    *,
    errors: dict[int, str],
    reason: str,
) -> Response:
    return render(
        request,
        "review/_judgement_row.html",
        viewer=viewer,
        title="",
        j=judgement,
        may_judge=True,
        reverse_errors=errors,
        reverse_reason=reason,
        decision_labels=DECISION_LABELS,
    )


# --- the entity page's "not this person" ---------------------------------------------------------


def _party_form(form: FormData) -> tuple[int, str]:
    record_id, party = text(form, "record_id"), without_nul(text(form, "party"))
    if not record_id.isdigit() or not 1 <= int(record_id) <= MAX_ID or not party or len(party) > 60:
        raise InvalidInputError("record_id", "the form named something that is not a record's party")
    return int(record_id), party


@router.post("/entities/{entity_id}/judgements")
def not_this_entity(
    request: Request, entity_id: IdPath, viewer: Viewer, form: CheckedForm, db: SessionDep
) -> Response:
    """A record's party is not this entity (or, with decision=same, is): judged against the entity."""
    record_id, party = _party_form(form)
    noun = text(form, "noun").lower()
    context: dict[str, Any] = {
        "entity_id": entity_id,
        "record_id": record_id,
        "party": party,
        "noun": noun if noun in NOUNS else "entity",
        "reason": without_nul(text(form, "reason")),
        "errors": {},
        "judgement": None,
    }
    htmx = bool(request.headers.get("HX-Request"))
    try:
        judgement = review.judge_link(
            db,
            viewer.actor,
            party=(record_id, party),
            entity_id=entity_id,
            decision=without_nul(text(form, "decision")) or "different",
            reason=context["reason"],
        )
    except InvalidInputError as exc:
        db.rollback()
        if not htmx:
            raise
        context["errors"] = _form_errors(exc, fields=("reason",))
    else:
        db.commit()
        if not htmx:
            return RedirectResponse(f"/review/judgements?judged={judgement.id}", status_code=303)
        context["judgement"] = judgement
    return render(request, "review/_not_this.html", viewer=viewer, title="", **context)
