"""The seven planted organised-crime scenarios and how many copies of each a run gets."""

from __future__ import annotations

from collections.abc import Callable

from crimelink.demo.scenario_kit import ScenarioContext
from crimelink.demo.scenarios_drugs import county_line, crime_family
from crimelink.demo.scenarios_economic import protection_racket, waste_crime
from crimelink.demo.scenarios_exploitation import child_sexual_exploitation, exploited_begging, modern_slavery
from crimelink.demo.world import World

Scenario = Callable[[ScenarioContext, int], None]

SCENARIOS: tuple[Scenario, ...] = (
    county_line,
    modern_slavery,
    waste_crime,
    crime_family,
    child_sexual_exploitation,
    exploited_begging,
    protection_racket,
)
ROWS_PER_COPY = 100_000


def scenario_copies(size: int) -> int:
    """One copy of every scenario per 100,000 rows (at least one), so large runs keep a realistic density."""
    return max(1, size // ROWS_PER_COPY)


def plant_scenarios(world: World, *, size: int) -> ScenarioContext:
    ctx = ScenarioContext(world)
    for copy in range(scenario_copies(size)):
        for scenario in SCENARIOS:
            scenario(ctx, copy)
    return ctx
