"""Entity resolution for people: deterministic identifiers first, then Splink probabilistic matching."""

from crimelink.linkage.engine import DuckDBEngine, LinkageEngine, LinkResult, ScoredPair
from crimelink.linkage.service import LinkSummary, link_files

__all__ = ["DuckDBEngine", "LinkResult", "LinkSummary", "LinkageEngine", "ScoredPair", "link_files"]
