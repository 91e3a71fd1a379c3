"""Normalisers for partner data: each canonical field to the one spelling linkage compares.

The importer calls :func:`normalise_field` for canonical fields and :func:`normalise_attribute` for
typed attributes, with a :class:`NormaliseContext` built from the file's mapping; the individual
normalisers are public for services that normalise a single value (a search box, a deconfliction
check). Every rejection is a :class:`crimelink.errors.NormalisationError` naming the field, with a
reason a person can act on. See ``docs/mapping.md`` for the canonical fields.
"""

from __future__ import annotations

from crimelink.ingest.normalise.address import normalise_address
from crimelink.ingest.normalise.common import NormaliseContext, is_blank
from crimelink.ingest.normalise.dates import normalise_date, normalise_datetime, normalise_dob
from crimelink.ingest.normalise.fields import (
    ATTRIBUTE_TYPES,
    CANONICAL_FIELDS,
    normalise_attribute,
    normalise_field,
)
from crimelink.ingest.normalise.identifiers import (
    normalise_account,
    normalise_company_number,
    normalise_email,
    normalise_handle,
    normalise_nino,
    normalise_postcode,
    normalise_uprn,
    normalise_vin,
    normalise_vrm,
)
from crimelink.ingest.normalise.names import (
    PersonName,
    normalise_alias,
    normalise_business_name,
    normalise_name_part,
    normalise_person_name,
)
from crimelink.ingest.normalise.phone import normalise_phone

__all__ = [
    "ATTRIBUTE_TYPES",
    "CANONICAL_FIELDS",
    "NormaliseContext",
    "PersonName",
    "is_blank",
    "normalise_account",
    "normalise_address",
    "normalise_alias",
    "normalise_attribute",
    "normalise_business_name",
    "normalise_company_number",
    "normalise_date",
    "normalise_datetime",
    "normalise_dob",
    "normalise_email",
    "normalise_field",
    "normalise_handle",
    "normalise_name_part",
    "normalise_nino",
    "normalise_person_name",
    "normalise_phone",
    "normalise_postcode",
    "normalise_uprn",
    "normalise_vin",
    "normalise_vrm",
]
