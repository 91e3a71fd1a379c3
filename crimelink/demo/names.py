"""Name pools for the synthetic borough, drawn once from Faker (en_GB) plus a London-wide supplement.

Faker is slow per call, so the generator draws a few thousand names up front and samples them with
its own ``random.Random``. Every planted scenario draws its people from the same mixed pool as the
rest of the population: no group is tied to a nationality, ethnicity or religion.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

_EXTRA_GIVEN_MALE = (
    "Mohammed", "Muhammad", "Ali", "Omar", "Yusuf", "Ibrahim", "Hassan", "Kwame", "Kofi", "Chidi", "Emeka",
    "Oluwaseun", "Tunde", "Adebayo", "Arjun", "Rohan", "Raj", "Sanjay", "Vikram", "Tomasz", "Piotr", "Marek",
    "Andrei", "Mihai", "Luca", "Marco", "Diego", "Carlos", "Jamal", "Tyrone", "Kyle", "Connor", "Kai",
    "Ahmed", "Bilal", "Imran", "Hamza", "Abdul", "Minh", "Tuan", "Wei", "Jun", "Robert", "William",
    "Richard", "Anthony", "Edward", "Joseph", "Alexander", "Jonathan", "Samuel", "Michael", "Sean",
)  # fmt: skip
_EXTRA_GIVEN_FEMALE = (
    "Aisha", "Fatima", "Amina", "Zainab", "Maryam", "Khadija", "Nadia", "Priya", "Anjali", "Sunita", "Chioma",
    "Ngozi", "Adaeze", "Folake", "Abena", "Agnieszka", "Katarzyna", "Ioana", "Elena", "Maria", "Giulia",
    "Sofia", "Linh", "Mai", "Mei", "Shanice", "Chantelle", "Precious", "Blessing", "Elizabeth", "Margaret",
    "Catherine", "Rebecca", "Victoria", "Jennifer", "Alexandra", "Susan", "Patricia",
)  # fmt: skip
_EXTRA_FAMILY = (
    "Khan", "Ahmed", "Begum", "Hussain", "Ali", "Rahman", "Islam", "Uddin", "Miah", "Patel", "Shah", "Singh",
    "Kaur", "Sharma", "Okafor", "Adeyemi", "Mensah", "Owusu", "Boateng", "Okonkwo", "Nwosu", "Nowak",
    "Kowalski", "Wisniewski", "Popescu", "Ionescu", "Rossi", "Ferrari", "Silva", "Santos", "Nguyen", "Tran",
    "Pham", "Chen", "Wang", "Zhang", "Osei", "Mohamed", "Abdi", "Farah", "Yilmaz", "Demir", "Kaya",
    "Papadopoulos", "Murphy", "O'Brien", "Kelly", "Campbell", "Francis", "Smith-Jones", "McCarthy",
    "O'Connor", "Da Costa", "Van Der Berg",
)  # fmt: skip

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Margaret": ("Maggie", "Peggy"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Michael": ("Mike", "Mick"),
    "Thomas": ("Tom", "Tommy"),
    "Richard": ("Rich", "Dick", "Richie"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "Jonathan": ("Jon", "Jonny"),
    "Catherine": ("Cath", "Kate", "Cathy"),
    "Katherine": ("Kate", "Kath"),
    "Rebecca": ("Becky", "Becca"),
    "Samuel": ("Sam", "Sammy"),
    "Anthony": ("Tony", "Ant"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Joseph": ("Joe", "Joey"),
    "Alexander": ("Alex", "Sandy"),
    "Alexandra": ("Alex", "Lexi"),
    "Victoria": ("Vicky", "Tori"),
    "Jennifer": ("Jen", "Jenny"),
    "Susan": ("Sue", "Suzy"),
    "Patricia": ("Pat", "Trish"),
    "Matthew": ("Matt",),
    "Andrew": ("Andy", "Drew"),
    "Benjamin": ("Ben",),
    "Nicholas": ("Nick",),
    "Stephen": ("Steve",),
    "David": ("Dave",),
    "Peter": ("Pete",),
    "Charlotte": ("Charlie", "Lottie"),
    "Abigail": ("Abby",),
    "Jessica": ("Jess",),
    "Samantha": ("Sam",),
    "Oluwaseun": ("Seun",),
    "Adebayo": ("Bayo",),
    "Agnieszka": ("Aga",),
    "Katarzyna": ("Kasia",),
    "Tomasz": ("Tomek",),
}

SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {
    "Mohammed": ("Mohammad", "Muhammad", "Mohamed", "Mohamad"),
    "Muhammad": ("Mohammed", "Mohammad", "Muhammed"),
    "Mohamed": ("Mohammed", "Mohamad"),
    "Yusuf": ("Yousef", "Yusef", "Yousuf"),
    "Aisha": ("Ayesha", "Aysha"),
    "Stephen": ("Steven",),
    "Sean": ("Shaun", "Shawn"),
    "Catherine": ("Katherine", "Kathryn"),
    "Zainab": ("Zaynab",),
    "Hussain": ("Hussein", "Husain"),
    "Rahman": ("Rehman",),
}


@dataclass(frozen=True)
class NamePools:
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    family: tuple[str, ...]
    street_bases: tuple[str, ...]

    def given(self, rng: random.Random, female: bool) -> str:
        return rng.choice(self.given_female if female else self.given_male)


_STREET_WORDS = (
    "Ash", "Oak", "Elm", "Mill", "Church", "Station", "Park", "Canal", "Marsh", "River", "Forest", "Chapel",
    "Victoria", "Albert", "Windsor", "Beacon", "Granary", "Lock", "Wharf", "Orchard", "Meadow", "Cedar",
    "Willow", "Hawthorn", "Brook", "Ferry", "Tannery", "Foundry", "Rope", "Dock", "Barge", "Heron",
    "Kingfisher", "Thornbury", "Wickham", "Leyfield", "Northbrook", "Hollow", "Gasworks", "Cotton",
)  # fmt: skip


#: Faker locales (Latin script) whose names London registers also hold. Faker's British pool alone has
#: about 220 given names and 530 surnames, so at a million records nearly every name would be shared by
#: unrelated people, which real registers (tens of thousands of surnames) do not show.
_OTHER_LOCALES = (
    "en_IE", "en_IN", "pl_PL", "it_IT", "es_ES", "pt_PT", "fr_FR", "de_DE", "nl_NL", "tr_TR", "ro_RO",
    "lt_LT", "hu_HU", "sv_SE", "yo_NG", "tw_GH", "cs_CZ", "hr_HR", "da_DK", "fi_FI", "zu_ZA", "sw",
    "lv_LV", "sk_SK",
)  # fmt: skip


def build_name_pools(fake: Faker, rng: random.Random) -> NamePools:
    """Draw name pools from Faker: repeated draws keep Faker's frequency weighting.

    About half the names are British (Faker's ``en_GB``), a fifth the London-wide supplement, the rest
    drawn from other locales, so that common names are common and most full names are rare.
    """
    male = [fake.first_name_male() for _ in range(2500)]
    female = [fake.first_name_female() for _ in range(2500)]
    family = [fake.last_name() for _ in range(4000)]
    for locale in _OTHER_LOCALES:
        other = Faker(locale)
        other.seed_instance(rng.randrange(2**32))
        male.extend(other.first_name_male() for _ in range(100))
        female.extend(other.first_name_female() for _ in range(100))
        family.extend(other.last_name() for _ in range(170))
    # About a quarter of names come from the London-wide supplement.
    male.extend(rng.choice(_EXTRA_GIVEN_MALE) for _ in range(900))
    female.extend(rng.choice(_EXTRA_GIVEN_FEMALE) for _ in range(900))
    family.extend(rng.choice(_EXTRA_FAMILY) for _ in range(1400))
    suffix_words = {
        "Lane",
        "Way",
        "Row",
        "Hill",
        "Court",
        "Close",
        "Grove",
        "Place",
        "Square",
        "Mews",
        "Street",
    }
    bases = sorted(({fake.last_name() for _ in range(600)} | set(_STREET_WORDS)) - suffix_words)
    return NamePools(tuple(male), tuple(female), tuple(family), tuple(bases))
