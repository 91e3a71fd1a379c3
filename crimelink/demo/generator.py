"""Generate the synthetic borough partnership: partner files, mappings, geography and ground truth.

>>> manifest = generate_demo(Path("demo-data"), seed=7, size=3_000)   # doctest: +SKIP
>>> manifest.record_count["POLICE/intelligence-reports"]                # doctest: +SKIP
240

Everything comes from one ``random.Random(seed)`` (and Faker seeded with the same seed), consumed in a
fixed order, so the same seed and size give byte-identical files. ``size`` is the approximate total
number of rows across all datasets; each dataset gets a fixed share of it. Planted scenario rows are
spread through each file among the background rows.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from faker import Faker

from crimelink.demo.agencies import AGENCIES
from crimelink.demo.geography import build_borough
from crimelink.demo.housing import HMO, TENANCY
from crimelink.demo.names import build_name_pools
from crimelink.demo.noise import Formatter, impossible_date
from crimelink.demo.operations import OPERATIONS_FILE, plan_operations
from crimelink.demo.partners import INSPECTIONS, REFERRALS, SEIZURES
from crimelink.demo.police import INTELLIGENCE, NOMINALS
from crimelink.demo.population import build_world
from crimelink.demo.regulatory import COMPLAINTS, FLYTIPPING, LICENCES
from crimelink.demo.scenarios import plant_scenarios
from crimelink.demo.social_care import CHILDREN_KNOWN, VULNERABLE_ADULTS
from crimelink.demo.spec import Agency, Dataset, RenderContext, Row
from crimelink.demo.truth import QuarantineExpectation, TruthWriter
from crimelink.demo.world import REFERENCE_DATE, World
from crimelink.demo.writers import open_writer

Progress = Callable[[str, int, int], None]

# Load order: registers first, then cases and referrals, intelligence last.
DATASETS: tuple[Dataset, ...] = (
    NOMINALS,
    LICENCES,
    HMO,
    TENANCY,
    COMPLAINTS,
    FLYTIPPING,
    CHILDREN_KNOWN,
    VULNERABLE_ADULTS,
    INSPECTIONS,
    REFERRALS,
    SEIZURES,
    INTELLIGENCE,
)

# Deliberately broken rows: (dataset key, what is broken). Each lands on a background row.
_BREAKS: tuple[tuple[str, str], ...] = (
    ("POLICE/nominals", "dob"),
    ("LBA-TS/complaints", "phone"),
    ("LBA-LICENSING/premises-licences", "postcode"),
    ("LBA-HOUSING/hmo-register", "integer"),
    ("LBA-HOUSING/hmo-register", "postcode"),
    ("LBA-HOUSING/tenancy-cases", "dob"),
    ("LBA-ENV/flytipping-cases", "phone"),
    ("LBA-CSC/children-known", "dob"),
    ("LBA-ASC/vulnerable-adults", "dob"),
    ("GLAA/labour-inspections", "dob"),
    ("HOIE/referrals", "postcode"),
    ("BORDER-FORCE/seizures", "phone"),
)
_BAD_VALUES = {
    "postcode": ("E15 4QXX", "1E5 4QX", "E20 Q1A"),
    "phone": ("999", "ask at reception", "see notes", "0 0 0"),
    "integer": ("twelve", "about 10"),
}
_PROGRESS_EVERY = 5_000


@dataclass(frozen=True)
class DatasetInfo:
    agency: str
    dataset: str
    file: str
    mapping: str
    rows: int

    @property
    def key(self) -> str:
        return f"{self.agency}/{self.dataset}"


@dataclass(frozen=True)
class DemoManifest:
    """What :func:`generate_demo` wrote. Paths in ``datasets`` are relative to ``out_dir``."""

    out_dir: Path
    agencies: tuple[Agency, ...]
    datasets: tuple[DatasetInfo, ...]
    record_count: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.record_count.values())


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 20261128,
    size: int = 20_000,
    progress: Progress | None = None,
) -> DemoManifest:
    """Write the demo partnership's files under ``out_dir`` and return what was written."""
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    names = build_name_pools(fake, rng)
    borough = build_borough(rng)
    world = build_world(rng, borough, names, size=size, progress=progress)
    if progress is not None:
        progress("scenarios", 0, 1)
    scenarios = plant_scenarios(world, size=size)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth = TruthWriter(out_dir / "ground_truth" / "truth.json", world, seed=seed, size=size)
    quarantine: list[QuarantineExpectation] = []
    infos: list[DatasetInfo] = []
    for dataset in DATASETS:
        runs = scenarios.planted.runs.get(dataset.fact_type, [])
        target = max(round(size * dataset.spec.share), sum(len(run) for run in runs))
        rows = _write_dataset(
            out_dir,
            dataset,
            world,
            runs=runs,
            target=target,
            truth=truth,
            quarantine=quarantine,
            progress=progress,
        )
        spec = dataset.spec
        _write_yaml(out_dir / spec.mapping_file, spec.mapping())
        infos.append(DatasetInfo(spec.agency.code, spec.dataset, spec.file, spec.mapping_file, rows))
    exploited = list(dict.fromkeys(p.id for p in scenarios.exploited))
    operations = plan_operations(scenarios, seed=seed, known_businesses=truth.businesses_seen())
    _write_json(out_dir / OPERATIONS_FILE, operations.document)
    truth.mark(operations.referenced)
    truth.finish(scenarios.groups, exploited, quarantine, deconfliction=operations.truth)
    borough.write_geojson(out_dir / "geography.geojson")
    manifest = DemoManifest(out_dir, AGENCIES, tuple(infos), {i.key: i.rows for i in infos})
    _write_manifest(manifest, seed=seed, size=size, borough=(borough.name, borough.code))
    if progress is not None:
        progress("done", manifest.total_rows, manifest.total_rows)
    return manifest


def _write_dataset(
    out_dir: Path,
    dataset: Dataset,
    world: World,
    *,
    runs: list[list[object]],
    target: int,
    truth: TruthWriter,
    quarantine: list[QuarantineExpectation],
    progress: Progress | None,
) -> int:
    """Stream one dataset: background rows with the planted runs inserted at random points."""
    spec, rng = dataset.spec, world.rng
    path = out_dir / spec.file
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = open_writer(path, spec)
    ctx = RenderContext(Formatter(rng, dataset.style), world)
    n_background = target - sum(len(run) for run in runs)
    insert_at = sorted(rng.randrange(n_background + 1) for _ in runs)
    breaks = _plan_breaks(rng, spec.key, n_background)
    background = dataset.background(world)

    def emit(fact: object, broken: str | None = None) -> None:
        ctx.number += 1
        row, row_truth = dataset.render(fact, ctx)
        if broken is not None:
            quarantine.append(_break_row(dataset, row, broken, ctx))
        writer.write(row)
        truth.record(f"{spec.key}/{row[spec.record_id]}", row_truth)
        if progress is not None and ctx.number % _PROGRESS_EVERY == 0:
            progress(spec.key, ctx.number, target)

    next_run = 0
    for index in range(n_background + 1):
        while next_run < len(runs) and insert_at[next_run] == index:
            for fact in runs[next_run]:
                emit(fact)
            next_run += 1
        if index < n_background:
            emit(next(background), breaks.get(index))
    writer.close()
    if progress is not None and ctx.number % _PROGRESS_EVERY:
        progress(spec.key, ctx.number, target)
    return ctx.number


def _plan_breaks(rng: random.Random, key: str, n_background: int) -> dict[int, str]:
    kinds = [kind for dataset_key, kind in _BREAKS if dataset_key == key]
    if not kinds or n_background < len(kinds):
        return {}
    positions = rng.sample(range(n_background), len(kinds))
    return dict(zip(positions, kinds, strict=True))


def _break_row(dataset: Dataset, row: Row, kind: str, ctx: RenderContext) -> QuarantineExpectation:
    spec, rng = dataset.spec, ctx.world.rng
    if kind == "integer":
        column = spec.column_for(lambda c: c.type == "integer")
    else:
        column = spec.column_for(lambda c: c.type is None and c.field == kind)
    if column is None or column.to is None:
        raise ValueError(f"{spec.key} has no column to break for {kind!r}")
    if kind == "dob":
        row[column.name] = impossible_date(dataset.style.date_style)
    else:
        row[column.name] = rng.choice(_BAD_VALUES[kind])
    header_lines = 0 if spec.file_format == "jsonl" else 1
    return QuarantineExpectation(
        file=spec.file,
        row=ctx.number + header_lines,
        data_row=ctx.number,
        record_id=str(row[spec.record_id]),
        column=column.name,
        field=column.field,
        target=column.to,
    )


class _FlowMap(dict[str, object]):
    """A mapping written on one line, like ``{to: premises.occupants, type: integer}`` in docs/mapping.md."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowMap, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
)


def _write_yaml(path: Path, document: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = document.get("columns")
    if isinstance(columns, dict):
        document["columns"] = {k: _FlowMap(v) if isinstance(v, dict) else v for k, v in columns.items()}
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(text, encoding="utf-8")


def _write_json(path: Path, document: dict[str, object]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_manifest(manifest: DemoManifest, *, seed: int, size: int, borough: tuple[str, str]) -> None:
    document: dict[str, object] = {
        "seed": seed,
        "size": size,
        "reference_date": REFERENCE_DATE.isoformat(),
        "borough": {"name": borough[0], "code": borough[1]},
        "geography": "geography.geojson",
        "operations": OPERATIONS_FILE,
        "agencies": [agency.manifest() for agency in manifest.agencies],
        "datasets": [
            {"agency": i.agency, "dataset": i.dataset, "file": i.file, "mapping": i.mapping, "rows": i.rows}
            for i in manifest.datasets
        ],
    }
    _write_yaml(manifest.out_dir / "manifest.yaml", document)
