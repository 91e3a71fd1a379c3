"""Linkage engines: where person records are compared, scored and clustered.

:class:`LinkageEngine` holds the shared orchestration (deterministic links first, then probabilistic
matching, then clustering of both); a backend implements the few abstract steps. :class:`DuckDBEngine`
is the default: Splink 5 on an in-memory DuckDB database.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from crimelink.linkage import model
from crimelink.linkage.records import PERSON_COLUMNS, PersonRecord

Method = Literal["deterministic", "probabilistic"]
#: Called with a short description of each step, for progress display.
StepCallback = Callable[[str], None]


@dataclass(frozen=True)
class ScoredPair:
    """Two records judged to be the same person; ``left_id < right_id`` (the engine's unique ids)."""

    left_id: int
    right_id: int
    match_probability: float
    match_weight: float | None
    method: Method
    evidence: str


@dataclass(frozen=True)
class LinkResult:
    pairs: list[ScoredPair]
    #: unique id -> cluster id (the smallest unique id in the cluster)
    clusters: dict[int, int]
    trained: bool


class LinkageEngine(ABC):
    """One backend for person linkage. Subclasses implement the abstract steps; :meth:`link` runs them."""

    name: str = "abstract"

    @abstractmethod
    def load(self, records: Sequence[PersonRecord]) -> None:
        """Make the person table (see :data:`~crimelink.linkage.records.PERSON_COLUMNS`) available."""

    @abstractmethod
    def deterministic_pairs(self, records: Sequence[PersonRecord]) -> list[ScoredPair]:
        """Pairs sharing a strong identifier (NINO, email, phone with date of birth, typed identifiers)."""

    @abstractmethod
    def probabilistic_pairs(self, *, threshold: float, train: bool, step: StepCallback) -> list[ScoredPair]:
        """Fellegi-Sunter scored pairs at or above ``threshold``; trains first when ``train``."""

    @abstractmethod
    def cluster(self, record_ids: Sequence[int], pairs: Sequence[ScoredPair]) -> dict[int, int]:
        """Connected components over ``pairs``: unique id -> cluster id."""

    def link(
        self, records: Sequence[PersonRecord], *, threshold: float, step: StepCallback | None = None
    ) -> LinkResult:
        """Deterministic links, then probabilistic ones not already found, then clusters of both."""
        say = step or (lambda _message: None)
        say(f"loading {len(records):,} person records")
        self.load(records)
        say("deterministic links on strong identifiers")
        deterministic = self.deterministic_pairs(records)
        train = len(records) >= model.MIN_RECORDS_TO_TRAIN
        probabilistic = self.probabilistic_pairs(threshold=threshold, train=train, step=say)
        seen = {(p.left_id, p.right_id) for p in deterministic}
        pairs = deterministic + [p for p in probabilistic if (p.left_id, p.right_id) not in seen]
        say("clustering")
        clusters = self.cluster([r.unique_id for r in records], pairs)
        return LinkResult(pairs=pairs, clusters=clusters, trained=train)


def deterministic_pairs_in_python(records: Sequence[PersonRecord]) -> list[ScoredPair]:
    """Shared helper: pairs of records with an identical strong identifier (first evidence wins)."""
    by_identifier: dict[tuple[str, str], list[int]] = {}
    for record in records:
        for identifier in record.identifiers():
            by_identifier.setdefault(identifier, []).append(record.unique_id)
    found: dict[tuple[int, int], str] = {}
    for (kind, _value), ids in by_identifier.items():
        unique = sorted(set(ids))
        for index, left in enumerate(unique):
            for right in unique[index + 1 :]:
                found.setdefault((left, right), kind)
    return [
        ScoredPair(left, right, 1.0, None, "deterministic", kind)
        for (left, right), kind in sorted(found.items())
    ]


class DuckDBEngine(LinkageEngine):
    """Splink 5 on DuckDB (in memory by default). Splink and DuckDB are imported when it is made."""

    name = "duckdb"

    def __init__(self, *, database: str = ":memory:", seed: int = 42, u_max_pairs: float = 2e6) -> None:
        try:
            import duckdb
            from splink import DuckDBAPI
        except ImportError as exc:  # pragma: no cover - both are dependencies
            raise ImportError("record linkage needs splink and duckdb: pip install 'splink>=5,<6'") from exc
        self._con = duckdb.connect(database)
        self._db_api = DuckDBAPI(self._con)
        self._seed = seed
        self._u_max_pairs = u_max_pairs
        self._table: Any = None

    def load(self, records: Sequence[PersonRecord]) -> None:
        import pyarrow as pa

        schema = pa.schema(
            [
                ("unique_id", pa.int64()),
                *((column, pa.string()) for column in PERSON_COLUMNS[1:] if column != "address_tokens"),
                ("address_tokens", pa.list_(pa.string())),
            ]
        )
        rows = [record.as_row() for record in records]
        person_records = pa.Table.from_pylist(rows, schema=schema)
        self._con.register("person_records_arrow", person_records)
        self._con.execute("CREATE OR REPLACE TABLE person_records AS SELECT * FROM person_records_arrow")
        self._con.unregister("person_records_arrow")
        self._table = self._db_api.register("person_records", dataset_display_name="person_records")

    def deterministic_pairs(self, records: Sequence[PersonRecord]) -> list[ScoredPair]:
        return deterministic_pairs_in_python(records)

    def probabilistic_pairs(self, *, threshold: float, train: bool, step: StepCallback) -> list[ScoredPair]:
        from splink import Linker

        settings = model.settings_dict(
            probability_two_random_records_match=model.FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
        )
        linker = Linker(self._table, settings, log_level=None)
        if train:
            self._train(linker, step)
        else:
            step("too few records to train: using the documented fixed parameters")
        step("scoring candidate pairs")
        predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        rows = predictions.as_record_list()
        predictions.drop_table_from_database_and_remove_from_cache()
        pairs = []
        for row in rows:
            left, right = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
            weight = float(row["match_weight"])
            pairs.append(
                ScoredPair(left, right, float(row["match_probability"]), weight, "probabilistic", "")
            )
        return sorted(pairs, key=lambda p: (p.left_id, p.right_id))

    def _train(self, linker: Any, step: StepCallback) -> None:
        from splink.internals.exceptions import SplinkException

        step("estimating the prior match probability from deterministic rules")
        try:
            linker.training.estimate_probability_two_random_records_match(
                list(model.DETERMINISTIC_PRIOR_RULES), recall=model.DETERMINISTIC_PRIOR_RECALL
            )
        except (SplinkException, ValueError, ZeroDivisionError):
            logging.getLogger(__name__).info("prior not estimable; keeping the fixed prior")
        step("estimating u by random sampling")
        linker.training.estimate_u_using_random_sampling(max_pairs=self._u_max_pairs, seed=self._seed)
        for rule in model.EM_BLOCKING_RULES:
            step(f"estimating m by expectation maximisation (blocked on {rule})")
            linker.training.estimate_parameters_using_expectation_maximisation(rule)

    def cluster(self, record_ids: Sequence[int], pairs: Sequence[ScoredPair]) -> dict[int, int]:
        import pyarrow as pa
        from splink.clustering import cluster_pairwise_predictions_at_threshold

        nodes = pa.table({"unique_id": pa.array(list(record_ids), pa.int64())})
        edges = pa.table(
            {
                "unique_id_l": pa.array([p.left_id for p in pairs], pa.int64()),
                "unique_id_r": pa.array([p.right_id for p in pairs], pa.int64()),
            }
        )
        # Every edge passed is already a match (deterministic, or scored at or above the threshold).
        clustered = cluster_pairwise_predictions_at_threshold(nodes, edges, self._db_api, "unique_id")
        rows = clustered.as_record_list()
        clustered.drop_table_from_database_and_remove_from_cache()
        labels = {int(row["unique_id"]): str(row["cluster_id"]) for row in rows}
        # Splink's cluster ids are representative node ids as text; renumber as the smallest member.
        smallest: dict[str, int] = {}
        for unique_id, label in labels.items():
            smallest[label] = min(unique_id, smallest.get(label, unique_id))
        return {unique_id: smallest[label] for unique_id, label in labels.items()}
