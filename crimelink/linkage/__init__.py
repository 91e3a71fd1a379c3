"""Entity resolution for people: deterministic identifiers first, then Splink probabilistic matching."""

from typing import TYPE_CHECKING, Any

from crimelink.linkage.engine import DuckDBEngine, LinkageEngine, LinkResult, ScoredPair
from crimelink.linkage.service import LinkSummary, link_files

if TYPE_CHECKING:
    from crimelink.linkage.spark_engine import SparkEngine

__all__ = [
    "DuckDBEngine",
    "LinkResult",
    "LinkSummary",
    "LinkageEngine",
    "ScoredPair",
    "SparkEngine",
    "link_files",
]


def __getattr__(name: str) -> Any:
    # SparkEngine is imported on first use: its module needs sqlglot, and the engine pyspark (an extra).
    if name == "SparkEngine":
        from crimelink.linkage.spark_engine import SparkEngine

        return SparkEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
