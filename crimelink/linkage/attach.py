"""Attaching weakly identified parties to the one thing they can only be.

Many register rows say little: a fly-tipping case names "DAVID PRICE" and nothing else, a complaint
gives "1 KEMP STREET LONDON" without a postcode, a licence names "LUCKY TEA ROOMS" without a company
number. Pairwise scores cannot link these (a name alone never outweighs the prior), yet an analyst would
link them when the store knows exactly one such person, premises or business. This module does what the
analyst does, per kind:

- group clusters by a *key* (a person's name, a premises' address without town or "rear of", a
  business name without legal form);
- within a key, clusters carrying a *discriminator* (date of birth; UPRN or postcode; company number)
  are distinct things unless their discriminators agree;
- a cluster with no discriminator joins the discriminated cluster when there is exactly one; when there
  is none, the undiscriminated clusters with that key are one thing; when there are several, nothing is
  attached (the record stays on its own for an analyst to judge).

Every attached party records the rule (``unique-name``, ``unique-address``, ...) as its link method.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from crimelink.linkage.records import canonical_given_name

#: Words after which the rest of an address is town or county, kept as one set for premises keys.
STREET_WORDS = frozenset(
    {
        "STREET",
        "ROAD",
        "AVENUE",
        "LANE",
        "CLOSE",
        "CRESCENT",
        "DRIVE",
        "GARDENS",
        "PLACE",
        "SQUARE",
        "TERRACE",
        "COURT",
        "GREEN",
        "PARK",
        "GROVE",
        "PARADE",
        "WAY",
        "BROADWAY",
        "HILL",
        "ROW",
        "WALK",
        "MEWS",
        "YARD",
        "RISE",
        "VALE",
        "WHARF",
        "QUAY",
        "ESTATE",
    }
)
#: Leading words that place something at a premises rather than naming another one.
_PLACE_PREFIXES = re.compile(
    r"^(?:(?:LAND|AREA|ALLEY|PASSAGE)\s+)?(?:TO\s+)?(?:(?:THE\s+)?(?:REAR|SIDE|FRONT|BACK)\s+OF|"
    r"OUTSIDE|OPPOSITE|ADJACENT\s+TO|NEXT\s+TO|BEHIND|AT|NEAR)\s+"
)
_LEGAL_FORMS = frozenset({"LTD", "PLC", "LLP", "CIC", "THE", "CO", "COMPANY"})


@dataclass(frozen=True)
class Profile:
    """What one cluster says about itself for attaching: keys, discriminators and fuzzy keys."""

    keys: frozenset[str]
    discriminators: frozenset[str]
    fuzzy_keys: frozenset[str] = frozenset()
    #: Values that do not tell things apart when missing but forbid attaching when both differ
    #: (a person's phone: "phone:+44..."), compared kind by kind like discriminators.
    conflicts: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 18)
def premises_key(address: str | None) -> str | None:
    """An address without its town or a leading "rear of": '1 KEMP STREET LONDON' -> '1 KEMP STREET'.

    >>> premises_key("REAR OF 1 HARRIS GROVE LONDON")
    '1 HARRIS GROVE'
    """
    if not address:
        return None
    text = _PLACE_PREFIXES.sub("", address.strip())
    words = text.split()
    last_street = max((i for i, word in enumerate(words) if word in STREET_WORDS and i > 0), default=None)
    if last_street is not None:
        words = words[: last_street + 1]
    # A premises key needs a number or a name beyond the street: "HIGH STREET" alone is not a premises.
    if len(words) < 2 or not any(any(c.isdigit() for c in word) for word in words):
        return None
    return " ".join(words)


@lru_cache(maxsize=1 << 18)
def business_key(name: str | None) -> str | None:
    """A business name without legal form words: 'CITY SECURITY SOLUTIONS LTD' -> 'CITY SECURITY SOLUTIONS'."""
    if not name:
        return None
    trading = name.split(" T/A ")[-1]
    words = [word for word in trading.split() if word not in _LEGAL_FORMS]
    return " ".join(words) or None


#: Legal forms of a name on the Companies House register, where no two companies share a name (the
#: Company, Limited Liability Partnership and Business (Names and Trading Disclosures) Regulations 2015).
REGISTERED_FORMS = frozenset({"LTD", "LIMITED", "PLC", "LLP", "CIC"})


@lru_cache(maxsize=1 << 18)
def registered_name(name: str | None) -> bool:
    """Whether a business name (its trading part) ends with a registered company's legal form.

    >>> registered_name("JUBILEE WASTE SERVICES LTD"), registered_name("JUBILEE CARS")
    (True, False)
    >>> registered_name("JUBILEE WASTE SERVICES LTD T/A JUBILEE CLEARANCES")
    False
    """
    if not name:
        return False
    words = name.split(" T/A ")[-1].split()
    return len(words) > 1 and words[-1] in REGISTERED_FORMS


def person_name_key(given: str | None, family: str | None) -> str | None:
    """A person's exact name key: the nickname-canonical given name and the family name.

    >>> person_name_key("BOB", "PRICE")
    'ROBERT|PRICE'
    """
    if not family or not given:
        return None
    return f"{canonical_given_name(given.split()[0]) or given}|{family}"


@lru_cache(maxsize=1 << 18)
def person_keys(given: str | None, family: str | None) -> tuple[str | None, frozenset[str]]:
    """A person's exact name key (nickname-canonical given name and family name) and fuzzy keys.

    Fuzzy keys allow one slip in one of the two names: each name's one-letter deletions (the
    symmetric-delete method), so PRICE/PRIICE, ROSIE/ROISE and CHAN/CHEN share a key while the other
    name stays exact. Names shorter than four letters get no fuzzy keys (ALI and ALL are different).

    >>> person_keys("BOB", "PRICE")[0]
    'ROBERT|PRICE'
    >>> "ROBERT|PRICE" in person_keys("BOB", "PRIICE")[1] & person_keys("ROBERT", "PRICE")[1]
    True
    """
    exact = person_name_key(given, family)
    if exact is None or not family:
        return None, frozenset()
    canonical = exact.split("|", 1)[0]
    fuzzy = {f"{variant}|{family}" for variant in deletions(canonical)}
    fuzzy.update(f"{canonical}|{variant}" for variant in deletions(family))
    return exact, frozenset(fuzzy)


def deletions(word: str) -> set[str]:
    """The word and every form of it with one letter deleted (none for words under four letters)."""
    if len(word) < 4:
        return set()
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def root(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def union(self, left: int, right: int) -> None:
        """Join two sets; the smaller root survives."""
        a, b = self.root(left), self.root(right)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


@dataclass
class _Group:
    """The current union of clusters at one root: its discriminators and conflict values together."""

    discriminators: set[str]
    conflicts: set[str]


class _Groups(dict[int, _Group]):
    """The groups by root, each made from its profile when first asked for: most never are."""

    def __init__(self, profiles: Sequence[Profile]) -> None:
        super().__init__()
        self._profiles = profiles

    def __missing__(self, root: int) -> _Group:
        profile = self._profiles[root]
        group = self[root] = _Group(set(profile.discriminators), set(profile.conflicts))
        return group


def attach(
    profiles: Sequence[Profile], *, merge_agreeing: bool, rule: str, share: bool = False
) -> tuple[UnionFind, dict[int, str]]:
    """Union clusters as the module docstring says; also, per cluster that joined another, the rule.

    ``merge_agreeing``: discriminated clusters sharing a key and a discriminator are one thing (premises
    at one address and postcode). People are not merged this way: the pairwise model has already judged
    records with a date of birth, and two clusters left apart by it stay apart.

    ``share``: the key itself is enough (a name at an address): every cluster with the key joins the
    first one that does not disagree with it (different date of birth or phone).
    """
    forest = UnionFind(len(profiles))
    groups = _Groups(profiles)
    joined_by: dict[int, str] = {}

    def join(child: int, parent: int, how: str) -> None:
        other, survivor = forest.root(child), forest.root(parent)
        if other == survivor:
            return
        forest.parent[other] = survivor
        absorbed = groups[other]
        del groups[other]
        groups[survivor].discriminators |= absorbed.discriminators
        groups[survivor].conflicts |= absorbed.conflicts
        joined_by[other] = how

    for fuzzy, how in ((False, rule), (True, f"{rule}-fuzzy")):
        # Only keys two or more clusters share do anything: counted first, so that the millions of
        # fuzzy keys seen once never get a list of their own.
        shared = Counter(
            key for profile in profiles for key in (profile.fuzzy_keys if fuzzy else profile.keys)
        )
        by_key: dict[str, list[int]] = {key: [] for key, count in shared.items() if count > 1}
        del shared
        for index, profile in enumerate(profiles):
            for key in profile.fuzzy_keys if fuzzy else profile.keys:
                if key in by_key:
                    by_key[key].append(index)
        for key in sorted(by_key):
            members = by_key[key]
            if len(members) < 2:
                continue
            if share:
                _merge_sharing(members, forest, groups, join, how)
                continue
            if merge_agreeing:
                _merge_agreeing(members, forest, groups, join, how)
                _merge_compatible(members, forest, groups, join, how)
            _attach_undiscriminated(members, forest, groups, join, how)
    return forest, joined_by


def _merge_agreeing(
    members: Iterable[int],
    forest: UnionFind,
    groups: dict[int, _Group],
    join: Callable[[int, int, str], None],
    how: str,
) -> None:
    first_with: dict[str, int] = {}
    for index in members:
        for value in sorted(groups[forest.root(index)].discriminators):
            other = first_with.setdefault(value, index)
            if forest.root(other) != forest.root(index) and not _conflict(groups, forest, index, other):
                join(index, other, how)


def _merge_sharing(
    members: Sequence[int],
    forest: UnionFind,
    groups: dict[int, _Group],
    join: Callable[[int, int, str], None],
    how: str,
) -> None:
    roots = sorted({forest.root(index) for index in members})
    for root in roots[1:]:
        for target in roots:
            if target == root:
                break
            if forest.root(target) != forest.root(root) and not _conflict(groups, forest, root, target):
                join(root, target, how)
                break


def _merge_compatible(
    members: Sequence[int],
    forest: UnionFind,
    groups: dict[int, _Group],
    join: Callable[[int, int, str], None],
    how: str,
) -> None:
    """One key, no two clusters disagreeing (one has a UPRN, another a postcode): all one thing."""
    known, _unknown = _known_and_unknown(members, forest, groups)
    if len(known) < 2:
        return
    if any(_conflict(groups, forest, a, b) for i, a in enumerate(known) for b in known[i + 1 :]):
        return
    target = max(known, key=lambda root: (len(groups[root].discriminators), -root))
    for root in known:
        join(root, target, how)


def _known_and_unknown(
    members: Sequence[int], forest: UnionFind, groups: dict[int, _Group]
) -> tuple[list[int], list[int]]:
    """The distinct groups among ``members``: those with a discriminator, and those without."""
    roots = sorted({forest.root(index) for index in members})
    return (
        [root for root in roots if groups[root].discriminators],
        [root for root in roots if not groups[root].discriminators],
    )


def _conflict(groups: dict[int, _Group], forest: UnionFind, left: int, right: int) -> bool:
    """Two groups conflict when both carry a value of one kind (``uprn:``) and they share none."""
    a, b = groups[forest.root(left)], groups[forest.root(right)]
    return _disagree(a.discriminators, b.discriminators) or _disagree(a.conflicts, b.conflicts)


def _disagree(a: set[str], b: set[str]) -> bool:
    for kind in {value.split(":", 1)[0] for value in a} & {value.split(":", 1)[0] for value in b}:
        if not {v for v in a if v.startswith(kind + ":")} & {v for v in b if v.startswith(kind + ":")}:
            return True
    return False


def _attach_undiscriminated(
    members: Sequence[int],
    forest: UnionFind,
    groups: dict[int, _Group],
    join: Callable[[int, int, str], None],
    how: str,
) -> None:
    known, unknown = _known_and_unknown(members, forest, groups)
    if not unknown or len(known) > 1:
        return
    target = known[0] if known else unknown[0]
    for root in unknown:
        if root != target and not _conflict(groups, forest, root, target):
            join(root, target, how)
