"""Linkage engines: where person records are compared, scored and clustered.

:class:`LinkageEngine` holds the shared orchestration (deterministic links first, then probabilistic
matching, then clustering of both); a backend implements the few abstract steps. :class:`DuckDBEngine`
is the default: Splink 5 on an in-memory DuckDB database.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from crimelink.linkage import model
from crimelink.linkage.records import PERSON_COLUMNS, PersonRecord, links_outright

Method = Literal["deterministic", "probabilistic"]
#: Called with a short description of each step, for progress display.
StepCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True)
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
    #: The model as scored (Splink settings with trained m, u and prior), for saving and re-use.
    settings: dict[str, Any] | None = None
    #: Probabilistic pairs below the threshold but at or above ``review_from``: for analysts to judge.
    candidates: list[ScoredPair] = field(default_factory=list)


class LinkageEngine(ABC):
    """One backend for person linkage. Subclasses implement the abstract steps; :meth:`link` runs them."""

    name: str = "abstract"
    #: Set by :meth:`probabilistic_pairs`: the settings it scored with (trained when it trained).
    trained_settings: dict[str, Any] | None = None

    def keep_settings(self, settings: dict[str, Any]) -> None:
        self.trained_settings = settings

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
        self,
        records: Sequence[PersonRecord],
        *,
        threshold: float,
        step: StepCallback | None = None,
        review_from: float | None = None,
    ) -> LinkResult:
        """Deterministic links, then probabilistic ones not already found, then clusters of both.

        With ``review_from`` (below ``threshold``), pairs scored in [review_from, threshold) are returned
        as ``candidates`` for review; they do not link.
        """
        say = step or (lambda _message: None)
        say(f"loading {len(records):,} person records")
        self.load(records)
        say("deterministic links on strong identifiers")
        deterministic = self.deterministic_pairs(records)
        train = len(records) >= model.MIN_RECORDS_TO_TRAIN
        lowest = min(threshold, review_from) if review_from is not None else threshold
        scored = self.probabilistic_pairs(threshold=lowest, train=train, step=say)
        seen = {(p.left_id, p.right_id) for p in deterministic}
        probabilistic = [p for p in scored if (p.left_id, p.right_id) not in seen]
        pairs = deterministic + [p for p in probabilistic if p.match_probability >= threshold]
        candidates = [p for p in probabilistic if p.match_probability < threshold]
        say("clustering")
        clusters = self.cluster([r.unique_id for r in records], pairs)
        return LinkResult(
            pairs=pairs,
            clusters=clusters,
            trained=train,
            settings=self.trained_settings,
            candidates=candidates,
        )


def deterministic_pairs_in_python(records: Sequence[PersonRecord]) -> list[ScoredPair]:
    """Shared helper: pairs of records with an identical strong identifier that makes them one person
    (:func:`~crimelink.linkage.records.links_outright`; first evidence wins)."""
    by_identifier: dict[tuple[str, str], list[int]] = {}
    by_id = {record.unique_id: record for record in records}
    for record in records:
        for identifier in record.identifiers():
            by_identifier.setdefault(identifier, []).append(record.unique_id)
    found: dict[tuple[int, int], str] = {}
    for (kind, _value), ids in by_identifier.items():
        unique = sorted(set(ids))
        for index, left in enumerate(unique):
            for right in unique[index + 1 :]:
                if links_outright(kind, by_id[left], by_id[right]):
                    found.setdefault((left, right), kind)
    return [
        ScoredPair(left, right, 1.0, None, "deterministic", kind)
        for (left, right), kind in sorted(found.items())
    ]


def splink_probabilistic_pairs(
    linker: Any,
    *,
    threshold: float,
    train: bool,
    step: StepCallback,
    seed: int,
    u_max_pairs: float,
    u_num_chunks: int | None = None,
    sql: Callable[[str], str] = lambda rule: rule,
    on_settings: Callable[[dict[str, Any]], None] | None = None,
) -> list[ScoredPair]:
    """Shared by the Splink engines: train ``linker`` (when ``train``), then score pairs at ``threshold``.

    ``sql`` rewrites the model's training rules (DuckDB dialect) for the linker's database;
    ``u_num_chunks`` (Splink's default when None) is how many parts u's sample pairs are counted in.
    """
    if train:
        _train(linker, step, seed=seed, u_max_pairs=u_max_pairs, u_num_chunks=u_num_chunks, sql=sql)
    else:
        step("too few records to train: using the documented fixed parameters")
    if on_settings is not None:
        # The linker's random uid is not part of the model: leave it out so equal models are equal.
        on_settings({k: v for k, v in linker.misc.save_model_to_json().items() if k != "linker_uid"})
    step("scoring candidate pairs")
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    # Only the four columns used: every comparison column of every prediction, as dicts, took about 500 MB
    # at 1,000,000 records.
    wanted = predictions.query_sql(
        "SELECT unique_id_l, unique_id_r, match_probability, match_weight FROM {this}"
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    rows = wanted.as_record_list()
    wanted.drop_table_from_database_and_remove_from_cache()
    pairs = []
    for row in rows:
        left, right = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        weight = float(row["match_weight"])
        pairs.append(ScoredPair(left, right, float(row["match_probability"]), weight, "probabilistic", ""))
    return sorted(pairs, key=lambda p: (p.left_id, p.right_id))


def _train(
    linker: Any,
    step: StepCallback,
    *,
    seed: int,
    u_max_pairs: float,
    u_num_chunks: int | None,
    sql: Callable[[str], str],
) -> None:
    from splink.internals.exceptions import SplinkException

    step("estimating the prior match probability from deterministic rules")
    try:
        linker.training.estimate_probability_two_random_records_match(
            [sql(rule) for rule in model.DETERMINISTIC_PRIOR_RULES], recall=model.DETERMINISTIC_PRIOR_RECALL
        )
    except (SplinkException, ValueError, ZeroDivisionError):
        logging.getLogger(__name__).info("prior not estimable; keeping the fixed prior")
    step("estimating u by random sampling")
    chunks = {} if u_num_chunks is None else {"num_chunks": u_num_chunks}
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed, **chunks)
    for rule in model.EM_BLOCKING_RULES:
        step(f"estimating m by expectation maximisation (blocked on {rule})")
        linker.training.estimate_parameters_using_expectation_maximisation(sql(rule))


#: Person records turned into rows and copied into DuckDB at a time.
_LOAD_BATCH = 50_000


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
        # In batches, so that the rows of at most _LOAD_BATCH records are held as dicts at once.
        self._con.execute("DROP TABLE IF EXISTS person_records")
        for start in range(0, max(len(records), 1), _LOAD_BATCH):
            rows = [record.as_row() for record in records[start : start + _LOAD_BATCH]]
            batch = pa.Table.from_pylist(rows, schema=schema)
            del rows
            self._con.register("person_records_arrow", batch)
            self._con.execute(
                "INSERT INTO person_records SELECT * FROM person_records_arrow"
                if start
                else "CREATE TABLE person_records AS SELECT * FROM person_records_arrow"
            )
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
        return splink_probabilistic_pairs(
            linker,
            threshold=threshold,
            train=train,
            step=step,
            seed=self._seed,
            u_max_pairs=self._u_max_pairs,
            on_settings=self.keep_settings,
        )

    def cluster(self, record_ids: Sequence[int], pairs: Sequence[ScoredPair]) -> dict[int, int]:
        import pyarrow as pa

        nodes = pa.table({"unique_id": pa.array(list(record_ids), pa.int64())})
        edges = pa.table(
            {
                "unique_id_l": pa.array([p.left_id for p in pairs], pa.int64()),
                "unique_id_r": pa.array([p.right_id for p in pairs], pa.int64()),
            }
        )
        return splink_connected_components(nodes, edges, self._db_api)


def splink_connected_components(nodes: Any, edges: Any, db_api: Any) -> dict[int, int]:
    """Shared by the Splink engines: unique id -> cluster id (its smallest member) over ``edges``."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    # Every edge passed is already a match (deterministic, or scored at or above the threshold).
    clustered = cluster_pairwise_predictions_at_threshold(nodes, edges, db_api, "unique_id")
    rows = clustered.as_record_list()
    clustered.drop_table_from_database_and_remove_from_cache()
    labels = {int(row["unique_id"]): str(row["cluster_id"]) for row in rows}
    # Splink's cluster ids are representative node ids as text; renumber as the smallest member.
    smallest: dict[str, int] = {}
    for unique_id, label in labels.items():
        smallest[label] = min(unique_id, smallest.get(label, unique_id))
    return {unique_id: smallest[label] for unique_id, label in labels.items()}
