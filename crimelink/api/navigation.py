"""The navigation bar and the home page's links: one per thing the user's roles allow, by the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from crimelink.access.policy import Action, Actor, allowed


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    href: str
    #: ``None``: every signed-in user has it.
    action: Action | None
    #: Another action that also gives the link (the directory: readers of the plan and its managers).
    or_action: Action | None = None


NAV_LINKS = (
    NavLink("home", "Home", "/", None),
    NavLink("search", "Search records", "/search", Action.RECORD_SEARCH),
    NavLink("find", "Find people and places", "/find", Action.RECORD_SEARCH),
    NavLink("cross_agency", "Cross-agency report", "/reports/cross-agency", Action.RECORD_SEARCH),
    NavLink("network", "Network", "/network", Action.NETWORK_VIEW),
    NavLink("groups", "Organised crime groups", "/groups", Action.GROUP_VIEW),
    NavLink("exports", "Export", "/exports", Action.EXPORT_RUN),
    NavLink("tactics", "Tactics", "/tactics", Action.TACTIC_VIEW),
    NavLink("review", "Review queue", "/review", Action.ENTITY_JUDGE),
    NavLink("linkage", "Entity resolution", "/linkage", Action.ENTITY_RESOLVE),
    NavLink("safeguarding", "Safeguarding", "/safeguarding", Action.SAFEGUARDING_VIEW),
    NavLink("operations", "Operations", "/operations", Action.OPERATION_VIEW),
    NavLink("deconfliction", "Deconfliction desk", "/deconfliction", Action.DECONFLICTION_BOARD),
    NavLink("plans", "Disruption plans", "/plans", Action.PLAN_VIEW),
    NavLink("actions", "Actions", "/actions", Action.ACTION_UPDATE),
    NavLink("plan", "Partnership plan", "/plan", Action.PARTNERSHIP_VIEW),
    NavLink("meetings", "Meetings", "/meetings", Action.PARTNERSHIP_VIEW),
    NavLink("requests", "Requests for assistance", "/requests", Action.REQUEST_SUBMIT),
    NavLink("contacts", "Contacts", "/contacts", Action.PARTNERSHIP_VIEW, or_action=Action.CONTACT_MANAGE),
    NavLink("outcomes", "Outcomes", "/outcomes", Action.OUTCOME_VIEW),
    NavLink("performance", "Performance", "/outcomes/dashboard", Action.OUTCOME_VIEW),
    NavLink("reports", "Profile and board pack", "/reports", Action.REPORT_BUILD),
    NavLink("reminders", "Reminders", "/reminders", Action.REMINDER_SEND),
    NavLink("submit_intelligence", "Submit intelligence", "/intelligence/new", Action.INTELLIGENCE_SUBMIT),
    NavLink("disclosures", "Disclosure requests", "/disclosures", Action.DISCLOSURE_REQUEST),
    NavLink("audit", "Audit trail", "/audit", Action.AUDIT_READ),
    NavLink("agencies", "Agencies", "/admin/agencies", Action.AGENCY_MANAGE),
    NavLink("users", "Users", "/admin/users", Action.USER_MANAGE),
    NavLink("compartments", "Compartments", "/admin/compartments", Action.COMPARTMENT_MANAGE),
    NavLink("agreements", "Sharing agreements", "/admin/agreements", Action.AGREEMENT_MANAGE),
    NavLink("tokens", "API tokens", "/account/tokens", Action.TOKEN_MANAGE),
)


def navigation(actor: Actor) -> list[NavLink]:
    """The links ``actor`` may follow, in menu order."""
    return [
        link
        for link in NAV_LINKS
        if link.action is None
        or allowed(actor, link.action)
        or (link.or_action is not None and allowed(actor, link.or_action))
    ]
