"""`crimelink safeguarding scan`: screen the store's records and raise safeguarding alerts."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.network.screening import DEFAULT_MIN_SCORE, SubjectKind
from crimelink.services.callers import SystemCaller
from crimelink.services.safeguarding import DEFAULT_REGISTERS, Register, scan_safeguarding
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope

safeguarding_app = typer.Typer(help="Safeguarding alerts.", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 130)


def _register(text: str, kind: SubjectKind) -> Register:
    dataset, dot, party = text.partition(".")
    if not dot or not dataset or not party:
        raise typer.BadParameter(f"{text!r}: write the dataset code and the party, e.g. children-known.child")
    return Register(dataset, party, kind)


@safeguarding_app.command("scan")
def scan(
    today: Annotated[
        str | None,
        typer.Option(help="Scan as of this date (YYYY-MM-DD; default today): later records wait."),
    ] = None,
    min_score: Annotated[
        int,
        typer.Option(
            min=1,
            help="How much one threat's indicators must weigh together to tag a record the holding agency "
            "did not tag.",
        ),
    ] = DEFAULT_MIN_SCORE,
    children_register: Annotated[
        list[str] | None,
        typer.Option(help="dataset.party of a children's social care register (repeatable)."),
    ] = None,
    adults_register: Annotated[
        list[str] | None,
        typer.Option(help="dataset.party of an adult social care register of adults at risk (repeatable)."),
    ] = None,
) -> None:
    """Screen current records against the indicator catalogue; raise alerts for children and adults at risk.

    Safe to repeat: evidence already in an alert raises nothing again.
    """
    try:
        day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    except ValueError:
        raise typer.BadParameter(
            "write the date as YYYY-MM-DD, e.g. 2026-11-01", param_hint="--today"
        ) from None
    registers = list(DEFAULT_REGISTERS)
    if children_register or adults_register:
        registers = [_register(text, SubjectKind.CHILD) for text in children_register or []] + [
            _register(text, SubjectKind.ADULT_AT_RISK) for text in adults_register or []
        ]
    engine = open_store(get_settings())
    with console.status("screening records..."), session_scope(engine) as session:
        summary = scan_safeguarding(
            session,
            actor=SystemCaller("safeguarding-scan"),
            today=day,
            min_score=min_score,
            registers=registers,
        )
    table = Table(title=f"Safeguarding scan as of {day.isoformat()}")
    table.add_column("measure")
    table.add_column("count", justify="right")
    for label, value in (
        (
            "records screened for the network's threat tags (new or re-screened)",
            summary.records_screened_for_network,
        ),
        ("records screened (with a possible child or adult at risk)", summary.records_screened),
        ("records tagged with an exploitation threat", summary.records_tagged),
        ("children and adults at risk in them", summary.people_found),
        ("alerts raised", summary.alerts_raised),
        ("alerts given new evidence", summary.alerts_updated),
        ("alerts already covering what was found", summary.alerts_unchanged),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    if summary.tags_by_threat:
        console.print(
            "exploitation tags: "
            + ", ".join(f"{threat} {count:,}" for threat, count in summary.tags_by_threat.items())
        )
    console.print(
        f"indicator catalogue {summary.catalogue}, minimum score {summary.min_score}; {summary.seconds:.1f}s. "
        "Alerts advise: the safeguarding lead decides."
    )
