"""`crimelink serve`, `crimelink user add` and `crimelink demo users`: the web application's commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crimelink.domain import Classification, UserRole
from crimelink.errors import InvalidInputError
from crimelink.services.admin import create_user
from crimelink.services.callers import SystemCaller
from crimelink.services.demo_users import ensure_demo_users
from crimelink.services.store import open_store
from crimelink.settings import get_settings
from crimelink.store.engine import session_scope

user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 130)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default from settings)")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Server processes (default from settings: CRIMELINK_WORKERS)"),
    ] = None,
) -> None:
    """Run the web application (pages and the JSON API) with uvicorn."""
    import uvicorn

    from crimelink.web import create_app

    settings = get_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    processes = workers or settings.workers
    # Built here even when each process builds its own: what would stop every process (a store not
    # migrated, no secret key in production) stops this command once, with its message.
    app = create_app(settings)
    console.print(
        f"Crimelink at http://{bind_host}:{bind_port}/ (JSON API at /api"
        f"{f', {processes} processes' if processes > 1 else ''}, press Ctrl+C to stop)"
    )
    if processes == 1:
        uvicorn.run(app, host=bind_host, port=bind_port, proxy_headers=True, server_header=False)
        return
    # Several processes share the listening socket; each builds the application from the same
    # environment, so each reads the same settings (and the secret key file made above).
    uvicorn.run(
        "crimelink.web.app:app_from_environment",
        factory=True,
        workers=processes,
        host=bind_host,
        port=bind_port,
        proxy_headers=True,
        server_header=False,
    )


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Lower-case sign-in name, e.g. jo.smith")],
    agency: Annotated[str, typer.Option(help="Agency code, e.g. POLICE")],
    role: Annotated[list[UserRole], typer.Option(help="A role; repeat for several")],
    display_name: Annotated[str | None, typer.Option(help="Full name (default: the username)")] = None,
    email: Annotated[str, typer.Option(help="Work email (links single sign-on)")] = "",
    clearance: Annotated[Classification, typer.Option(help="Highest marking they may see")] = (
        Classification.OFFICIAL
    ),
    compartment: Annotated[list[str] | None, typer.Option(help="A compartment; repeat for several")] = None,
    password: Annotated[
        str | None, typer.Option(help="Initial password (visible in shell history: prefer --password-stdin)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the initial password from standard input")
    ] = False,
) -> None:
    """Add a user. Without a password they can sign in only through single sign-on."""
    if password is not None and password_stdin:
        raise typer.BadParameter("give --password or --password-stdin, not both")
    secret = sys.stdin.readline().rstrip("\r\n") if password_stdin else password
    settings = get_settings()
    engine = open_store(settings)
    try:
        with session_scope(engine) as session:
            user = create_user(
                session,
                caller=SystemCaller("cli"),
                settings=settings,
                username=username,
                display_name=display_name or username,
                email=email,
                agency_code=agency,
                roles=role,
                clearance=clearance,
                compartments=compartment or [],
                password=secret,
            )
            summary = f"user {user.username} added to {agency.upper()} as {', '.join(user.roles)}"
    except InvalidInputError as exc:
        console.print(f"[bold red]not added:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(summary)


def demo_users() -> None:
    """Create one demo sign-in per role (and the demo's compartments and sharing agreements)."""
    settings = get_settings()
    engine = open_store(settings)
    with session_scope(engine) as session:
        sign_ins = ensure_demo_users(session, settings)
    table = Table("role", "username", "password", "agency", title="Demo sign-ins (synthetic data only)")
    for role, username, password, agency_code in sign_ins:
        table.add_row(role.value, username, password, agency_code)
    console.print(table)
    console.print(f"Sign in at http://{settings.host}:{settings.port}/sign-in")
