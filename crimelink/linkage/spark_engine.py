"""Person linkage with Splink 5 on Apache Spark: the same model and steps as :class:`DuckDBEngine`.

The model (:mod:`crimelink.linkage.model`) writes its comparisons and blocking rules in DuckDB's SQL
dialect. :func:`spark_sql` translates one condition for Spark SQL and :func:`spark_settings` a whole
settings dictionary. The translation knows a fixed list of functions; any other function raises
:class:`UntranslatableSQLError`, so a model change that uses a new DuckDB function fails loudly (the
tests translate the whole model) instead of meaning something else on Spark. One function means
slightly less on Spark than on DuckDB: Jaro-Winkler (see :data:`JARO_WINKLER_UDF`).

pyspark is an optional extra (``pip install 'crimelink[spark]'``) and needs a Java runtime; neither is
imported or needed until a :class:`SparkEngine` or a local session is made.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from crimelink.linkage import model
from crimelink.linkage.engine import (
    LinkageEngine,
    ScoredPair,
    StepCallback,
    deterministic_pairs_in_python,
    splink_connected_components,
    splink_probabilistic_pairs,
)
from crimelink.linkage.records import PERSON_COLUMNS, PersonRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "pip install 'crimelink[spark]'"
#: The Jaro-Winkler similarity Splink registers on Spark from the jar it ships. It is not quite DuckDB's
#: ``jaro_winkler_similarity``: with an odd number of out-of-order matched characters it halves that number
#: exactly where DuckDB (and jellyfish, which the product's Python scoring uses) rounds the half down, so
#: it gives less: ADRIAN/DIANA is 0.778 on Spark and 0.811 on DuckDB. Among the 44,000 pairs of
#: the tests' given names 1.6% differ, by up to 0.09, and some cross the model's 0.8 or 0.92 thresholds.
JARO_WINKLER_UDF = "jaro_winkler"
#: Columns of the person table that hold lists of strings (DuckDB ``VARCHAR[]``, Spark ``array<string>``).
ARRAY_COLUMNS = frozenset({"address_tokens"})
#: Splink's ways of breaking lineage that write to the checkpoint directory.
_NEEDS_CHECKPOINT_DIR = frozenset({"parquet", "checkpoint", "delta_lake_files"})


class UntranslatableSQLError(ValueError):
    """The model's SQL uses a DuckDB function this module cannot translate for Spark."""


# --- DuckDB SQL -> Spark SQL -------------------------------------------------------------------------

#: Functions (as sqlglot parses DuckDB) whose Spark form, as sqlglot writes it, means the same.
#: ``RegexpExtract``: sqlglot writes DuckDB's default group 0 explicitly (Spark's default is group 1).
#: ``ArrayDistinct``: DuckDB drops NULL elements, Spark keeps one; address tokens are never NULL.
_PORTABLE: tuple[type[exp.Expr], ...] = (
    exp.And,
    exp.Or,
    exp.Case,
    exp.If,
    exp.Coalesce,
    exp.Nullif,
    exp.Cast,
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Abs,
    exp.Substring,
    exp.Levenshtein,
    exp.RegexpExtract,
    exp.ArrayDistinct,
)
#: Functions rewritten below (their sqlglot Spark form is wrong or depends on the argument's type).
_REWRITTEN: tuple[type[exp.Expr], ...] = (
    exp.JarowinklerSimilarity,
    exp.Length,
    exp.ArraySize,
    exp.Left,
    exp.ArrayConcat,
)
#: DuckDB functions sqlglot does not know (parsed as anonymous calls) -> their Spark equivalent.
#: ``damerau_levenshtein`` is registered on Spark from Splink's similarity jar.
_ANONYMOUS: dict[str, str] = {
    "list_intersect": "array_intersect",
    "damerau_levenshtein": "damerau_levenshtein",
}
#: Functions whose result is a list, so that ``len(...)`` of them is the list's size.
_ARRAY_VALUED: tuple[type[exp.Expr], ...] = (exp.ArrayDistinct, exp.ArrayConcat, exp.Array)


def spark_sql(sql: str) -> str:
    """Translate one DuckDB condition or blocking rule of the model to Spark SQL.

    >>> spark_sql("jaro_winkler_similarity(family_name_l, family_name_r) >= 0.9")
    'JARO_WINKLER(family_name_l, family_name_r) >= 0.9'
    >>> spark_sql("len(address_tokens_l) = 0")
    'ARRAY_SIZE(address_tokens_l) = 0'
    """
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise UntranslatableSQLError(f"cannot parse the model's SQL {sql!r}: {exc}") from exc
    _check_known_functions(tree, sql)
    return str(_translate(tree).sql(dialect="spark"))


def spark_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Splink settings dictionary with every SQL condition and blocking rule in Spark SQL."""
    translated = copy.deepcopy(settings)
    for comparison in translated.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = spark_sql(level["sql_condition"])
    rules: list[str | dict[str, Any]] = []
    for rule in translated.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, str):
            rules.append(spark_sql(rule))
        else:
            rules.append({**rule, "blocking_rule": spark_sql(rule["blocking_rule"])})
    translated["blocking_rules_to_generate_predictions"] = rules
    return translated


def with_model_sql(trained: dict[str, Any], model_settings: dict[str, Any]) -> dict[str, Any]:
    """Settings Splink saved on Spark with the model's own (DuckDB) SQL put back; parameters as trained.

    ``model_settings`` is what :func:`spark_settings` translated. A model trained on Spark is then saved
    just as one trained on DuckDB is, and the two compare equal when their parameters are equal.
    """
    restored = copy.deepcopy(trained)
    restored["sql_dialect"] = "duckdb"
    for comparison, original in zip(restored["comparisons"], model_settings["comparisons"], strict=True):
        levels = zip(comparison["comparison_levels"], original["comparison_levels"], strict=True)
        for level, original_level in levels:
            if level.get("label_for_charts") != original_level.get("label_for_charts"):
                raise ValueError(f"the saved settings' levels are not the model's: {level!r}")
            level["sql_condition"] = original_level["sql_condition"]
    rules = zip(
        restored["blocking_rules_to_generate_predictions"],
        model_settings["blocking_rules_to_generate_predictions"],
        strict=True,
    )
    restored["blocking_rules_to_generate_predictions"] = [
        {
            **saved,
            "blocking_rule": rule if isinstance(rule, str) else rule["blocking_rule"],
            "sql_dialect": "duckdb",
        }
        for saved, rule in rules
    ]
    return restored


def _check_known_functions(tree: exp.Expr, sql: str) -> None:
    for node in tree.walk():
        if not isinstance(node, exp.Func):
            continue
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name in _ANONYMOUS:
                continue
        elif isinstance(node, _PORTABLE + _REWRITTEN):
            continue
        else:
            name = f"{node.sql_name().lower()} ({node.sql(dialect='duckdb')})"
        raise UntranslatableSQLError(
            f"the DuckDB function {name} in the model's SQL {sql!r} has no known Spark SQL translation: "
            "add one in crimelink/linkage/spark_engine.py (and a test) before using it in the model"
        )


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _is_array(node: exp.Expr) -> bool:
    """Whether ``node`` is list-valued: a list column of the person table or a list function's result."""
    if isinstance(node, exp.Column):
        name = node.name
        for suffix in ("_l", "_r"):
            if not node.table and name.endswith(suffix):
                name = name[: -len(suffix)]
        return name in ARRAY_COLUMNS
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ("array_intersect", "array_union", *_ANONYMOUS)
    return isinstance(node, _ARRAY_VALUED)


def _or_empty(node: exp.Expr) -> exp.Expr:
    """DuckDB's ``list_concat`` reads a NULL list as empty; Spark's array functions return NULL."""
    return _call("coalesce", node, _call("array"))


def _translate(node: exp.Expr) -> exp.Expr:
    """Rewrite ``node``, then its arguments (top down: a rewrite sees its arguments in DuckDB's form)."""
    translated = _to_spark(node)
    for child in list(translated.iter_expressions()):
        child.replace(_translate(child))
    return translated


def _to_spark(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.JarowinklerSimilarity):
        # Splink's Scala UDF returns 0.0 where DuckDB returns NULL (a NULL name): either fails a ">= t".
        # Its values differ from DuckDB's for some pairs of names: see JARO_WINKLER_UDF.
        return _call(JARO_WINKLER_UDF, node.this, node.expression)
    if isinstance(node, exp.Anonymous) and node.name.lower() in _ANONYMOUS:
        return _call(_ANONYMOUS[node.name.lower()], *node.expressions)
    if isinstance(node, exp.Length | exp.ArraySize) and (
        isinstance(node, exp.ArraySize) or _is_array(node.this)
    ):
        # array_size, not size: size(NULL) is -1 on Spark 3 (legacy sizeOfNull); DuckDB's len(NULL) is NULL.
        return _call("array_size", node.this)
    if isinstance(node, exp.Left):
        return exp.Substring(this=node.this, start=exp.Literal.number(1), length=node.expression)
    if isinstance(node, exp.ArrayDistinct) and isinstance(node.this, exp.ArrayConcat):
        parts = [node.this.this, *node.this.expressions]
        if len(parts) == 2:
            return _call("array_union", *(_or_empty(part) for part in parts))
    if isinstance(node, exp.ArrayConcat):
        return _call("concat", *(_or_empty(part) for part in [node.this, *node.expressions]))
    return node


# --- The engine -------------------------------------------------------------------------------------


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"the Spark linkage engine needs pyspark: {INSTALL_HINT}") from exc


def _require_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (
        java_home and os.path.exists(os.path.join(java_home, "bin", "java"))
    ):
        raise RuntimeError(
            "the Spark linkage engine needs a Java runtime (17 or newer) on PATH or in JAVA_HOME; "
            "on Debian: apt-get install openjdk-17-jre-headless"
        )


def local_spark_session(
    *,
    app_name: str = "crimelink-linkage",
    master: str = "local[2]",
    shuffle_partitions: int = 4,
    driver_memory: str = "2g",
    java_options: str | None = None,
) -> SparkSession:
    """A local-mode SparkSession set up for Splink: its similarity jar and a temporary checkpoint directory.

    Few shuffle partitions suit one machine; no web UI or console progress bars; the driver listens on
    the loopback address only (``SPARK_LOCAL_IP`` is set to 127.0.0.1 unless already set).
    ``java_options`` go to the driver JVM (the tests pass ``-XX:TieredStopAtLevel=1``, which halves
    start-up on a small machine but slows long runs). Spark allows one session per process: if one is
    active it is returned as it is.
    """
    _require_pyspark()
    _require_java()
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    workspace = tempfile.mkdtemp(prefix="crimelink-spark-")
    atexit.register(shutil.rmtree, workspace, ignore_errors=True)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(workspace, "warehouse"))
    )
    if java_options:
        builder = builder.config("spark.driver.extraJavaOptions", java_options)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(os.path.join(workspace, "checkpoints"))
    return spark


class SparkEngine(LinkageEngine):
    """Splink 5 on Spark, given a session or making a local one (:func:`local_spark_session`).

    A given session needs Splink's similarity jar (``spark.jars``, see
    ``splink.backends.spark.similarity_jar_location``) and, for the default ``"parquet"`` lineage
    breaking, a checkpoint directory. ``seed`` and ``u_max_pairs`` are as for :class:`DuckDBEngine`.

    Training is the same sequence as on DuckDB (:func:`~crimelink.linkage.engine.splink_probabilistic_pairs`)
    with one difference of method, not of model: u's sample of at most ``u_max_pairs`` pairs is counted
    in ``u_num_chunks`` part(s), 1 by default where Splink's default is 10. Each part (and Splink's probe
    before them) is a round of Spark jobs, about a second on two cores, for every comparison; Spark does
    not need the parts to bound memory (the sample is ``u_max_pairs`` pairs, two million by default).
    The counts are the same unless Splink stops early on DuckDB (every level seen 100 times before the
    last part), when DuckDB's u comes from part of the sample and Spark's from all of it.

    Scores can differ from DuckDB's where Spark's Jaro-Winkler does (see :data:`JARO_WINKLER_UDF`).
    """

    name = "spark"

    def __init__(
        self,
        *,
        spark: SparkSession | None = None,
        seed: int = 42,
        u_max_pairs: float = 2e6,
        u_num_chunks: int = 1,
        break_lineage_method: str = "parquet",
        num_partitions_on_repartition: int | None = None,
    ) -> None:
        _require_pyspark()
        from splink import SparkAPI

        self._spark = spark if spark is not None else local_spark_session()
        self._db_api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self._spark,
            break_lineage_method=break_lineage_method,
            num_partitions_on_repartition=num_partitions_on_repartition,
        )
        if not self._spark.catalog.functionExists(JARO_WINKLER_UDF):
            raise RuntimeError(
                f"Splink's Spark functions ({JARO_WINKLER_UDF} and others) are not registered: make the "
                "SparkSession with .config('spark.jars', splink.backends.spark.similarity_jar_location())"
            )
        if (
            break_lineage_method in _NEEDS_CHECKPOINT_DIR
            and self._spark.sparkContext.getCheckpointDir() is None
        ):
            raise RuntimeError(
                f"break_lineage_method={break_lineage_method!r} writes to the SparkContext's checkpoint "
                "directory, and none is set: call spark.sparkContext.setCheckpointDir(path) first"
            )
        self._seed = seed
        self._u_max_pairs = u_max_pairs
        self._u_num_chunks = u_num_chunks
        self._view = f"crimelink_person_records_{uuid.uuid4().hex[:12]}"
        self._table: Any = None

    def load(self, records: Sequence[PersonRecord]) -> None:
        from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

        schema = StructType(
            [
                StructField("unique_id", LongType(), nullable=False),
                *(
                    StructField(column, ArrayType(StringType()) if column in ARRAY_COLUMNS else StringType())
                    for column in PERSON_COLUMNS[1:]
                ),
            ]
        )
        rows = [tuple(record.as_row()[column] for column in PERSON_COLUMNS) for record in records]
        self._spark.createDataFrame(rows, schema).createOrReplaceTempView(self._view)
        self._table = self._db_api.register(self._view, dataset_display_name="person_records")

    def deterministic_pairs(self, records: Sequence[PersonRecord]) -> list[ScoredPair]:
        return deterministic_pairs_in_python(records)

    def probabilistic_pairs(self, *, threshold: float, train: bool, step: StepCallback) -> list[ScoredPair]:
        from splink import Linker

        model_settings = model.settings_dict(
            probability_two_random_records_match=model.FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
        )
        linker = Linker(self._table, spark_settings(model_settings), log_level=None)

        def keep(trained: dict[str, Any]) -> None:
            self.keep_settings(with_model_sql(trained, model_settings))

        return splink_probabilistic_pairs(
            linker,
            threshold=threshold,
            train=train,
            step=step,
            seed=self._seed,
            u_max_pairs=self._u_max_pairs,
            u_num_chunks=self._u_num_chunks,
            sql=spark_sql,
            on_settings=keep,
        )

    def cluster(self, record_ids: Sequence[int], pairs: Sequence[ScoredPair]) -> dict[int, int]:
        from pyspark.sql.types import LongType, StructField, StructType

        nodes: DataFrame = self._spark.createDataFrame(
            [(unique_id,) for unique_id in record_ids],
            StructType([StructField("unique_id", LongType(), nullable=False)]),
        )
        edges: DataFrame = self._spark.createDataFrame(
            [(p.left_id, p.right_id) for p in pairs],
            StructType(
                [
                    StructField("unique_id_l", LongType(), nullable=False),
                    StructField("unique_id_r", LongType(), nullable=False),
                ]
            ),
        )
        return splink_connected_components(nodes, edges, self._db_api)
