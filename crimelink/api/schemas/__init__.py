"""Request and response schemas (``XCreate``, ``XUpdate``, ``XPublic``), separate from the ORM tables."""
