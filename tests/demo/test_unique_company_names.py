"""The demo's registered company names are unique, as on the Companies House register."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from crimelink.demo.world import Person, Premises, Street, World


def test_a_registered_name_already_taken_gets_its_street_and_a_trading_name_may_repeat() -> None:
    none: Any = None
    world = World(random.Random(1), none, none)
    street = Street("Kemp Street", none, True, (0.5, 0.5), (0.1, 0.1))
    shops = [Premises(n, street, n, "", "E20 3BD", "", 0.0, 0.0, True) for n in range(1, 5)]
    owner = Person(1, "Ann", "", "Bell", True, date(1980, 1, 1), shops[0])
    names = [
        world.add_business(name=name, sector="CAFE", premises=shop, owner=owner).name
        for name, shop in zip(
            ("Prime Cafe Ltd", "Prime Cafe Ltd", "Prime Cafe Ltd", "Prime Cafe"), shops, strict=True
        )
    ]
    assert names == [
        "Prime Cafe Ltd",
        "Prime Cafe (Kemp Street) Ltd",
        "Prime Cafe (Kemp Street) 2 Ltd",
        "Prime Cafe",
    ]
    again = world.add_business(name="Prime Cafe", sector="CAFE", premises=shops[1], owner=owner)
    assert again.name == "Prime Cafe", "an unregistered trading name may repeat"
