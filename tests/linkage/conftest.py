"""Linkage fixtures: run a test on every linkage engine, and one local Spark session for the Spark ones.

``linkage_engine_factory`` is parametrised over the engines ("duckdb", "spark"); a test that takes it
runs once per engine and calls it for a fresh engine (an engine links one set of records). The Spark
case is marked ``spark`` and skipped, with the reason, where pyspark or Java is missing (in CI, where
``.ci/run`` installs both, it fails instead).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from crimelink.linkage.engine import DuckDBEngine, LinkageEngine

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: C1-only JIT and the serial collector: the JVM starts and warms up about twice as fast on two cores.
FAST_START_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

ENGINES = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("spark", id="spark", marks=pytest.mark.spark),
]


def spark_unavailable_reason() -> str | None:
    """Why the Spark engine cannot run here, or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'crimelink[spark]'; make install does)"
    java_home = os.environ.get("JAVA_HOME", "")
    if shutil.which("java") is None and not os.path.exists(os.path.join(java_home, "bin", "java")):
        return "no Java runtime for Spark (apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark_session() -> Iterator[SparkSession]:
    """One local Spark session for the whole run (starting one takes ten seconds or more)."""
    reason = spark_unavailable_reason()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: .ci/run installs both, so CI runs the Spark tests rather than skip them")
    if reason:
        pytest.skip(reason)
    from crimelink.linkage.spark_engine import local_spark_session

    # One shuffle partition: test data is small, and each partition is a task with its own overhead.
    spark = local_spark_session(
        app_name="crimelink-tests", shuffle_partitions=1, java_options=FAST_START_JAVA_OPTIONS
    )
    yield spark
    spark.stop()


@pytest.fixture(params=ENGINES)
def linkage_engine_factory(request: pytest.FixtureRequest) -> Callable[[], LinkageEngine]:
    """Makes a fresh engine of the parametrised kind; the test runs once per engine."""
    if request.param == "duckdb":
        return DuckDBEngine
    from crimelink.linkage.spark_engine import SparkEngine

    spark: SparkSession = request.getfixturevalue("spark_session")
    return lambda: SparkEngine(spark=spark)  # as configured in production: lineage broken with parquet
