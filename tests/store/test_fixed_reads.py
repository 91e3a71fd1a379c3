"""Selects built once (crimelink.store.fixed_reads): the rows SQLAlchemy's own execution gives, on both
databases, in the session's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import BigInteger, Engine, Integer, bindparam, literal_column, select, text, union_all
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind
from crimelink.store.expressions import one_of
from crimelink.store.fixed_reads import FixedRead
from crimelink.store.models import Agency

CREATED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

#: Agencies of a kind (an enum bound as a parameter) or with one of some codes (a list), with a constant
#: column, in two arms: every kind of value a check's statements read and bind.
BY_KIND_OR_CODE = union_all(
    select(literal_column("0").label("part"), Agency.id, Agency.code, Agency.kind, Agency.created_at).where(
        Agency.kind == bindparam("kind", type_=Agency.kind.type)
    ),
    select(literal_column("1"), Agency.id, Agency.code, Agency.kind, Agency.created_at).where(
        one_of(Agency.code, "codes")
    ),
).order_by("part", "id")


def add_agencies(session: Session) -> None:
    for code, kind in (
        ("GLAA", AgencyKind.GLAA),
        ("EA", AgencyKind.ENVIRONMENT_AGENCY),
        ("MPS", AgencyKind.POLICE_BCU),
    ):
        session.add(Agency(code=code, name=code, kind=kind, contact="duty desk", created_at=CREATED))
    session.flush()


def test_rows_are_sqlalchemys_rows_typed_as_its_columns(engine: Engine) -> None:
    """The same rows, in order, with the same values and types: enums as enums, times as times."""
    read = FixedRead(BY_KIND_OR_CODE)
    parameters = {"kind": AgencyKind.GLAA, "codes": ["MPS", "EA", "NONE"]}
    with Session(engine) as session:
        add_agencies(session)
        expected = session.execute(BY_KIND_OR_CODE, parameters).all()
        rows = read.rows(session, parameters)
        again = read.rows(session, {"kind": AgencyKind.POLICE_BCU, "codes": []})
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert [(row.part, row.code, row.kind) for row in rows] == [
        (0, "GLAA", AgencyKind.GLAA),
        (1, "EA", AgencyKind.ENVIRONMENT_AGENCY),
        (1, "MPS", AgencyKind.POLICE_BCU),
    ]
    assert all(isinstance(row.kind, AgencyKind) for row in rows)
    assert rows[0].created_at.replace(tzinfo=UTC) == CREATED
    part, _id, code, kind, _created = again[0]  # unpacked as a row is
    assert (len(again), part, code, kind) == (1, 0, "MPS", AgencyKind.POLICE_BCU)


def test_a_read_sees_its_transactions_writes_and_nothing_once_rolled_back(engine: Engine) -> None:
    read = FixedRead(BY_KIND_OR_CODE)
    parameters = {"kind": AgencyKind.GLAA, "codes": ["EA"]}
    with Session(engine) as session:
        add_agencies(session)  # flushed, not committed
        assert [row.code for row in read.rows(session, parameters)] == ["GLAA", "EA"]
        session.rollback()
        assert read.rows(session, parameters) == []


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_an_expanding_list_is_refused_by_name(engine: Engine) -> None:
    """``IN`` with a list expanded at each call changes the statement's text: it cannot be built once."""
    read = FixedRead(select(Agency.code).where(Agency.code.in_(bindparam("codes", expanding=True))))
    with Session(engine) as session, pytest.raises(ValueError, match="expanding parameters"):
        read.rows(session, {"codes": ["EA"]})


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_database_error_is_sqlalchemys_and_the_session_can_go_on(engine: Engine) -> None:
    """An error from the server is raised as SQLAlchemy raises the driver's (here a bad cast), and after a
    rollback the same session reads again."""
    read = FixedRead(select(Agency.code).where(Agency.id == bindparam("id", type_=Integer())))
    with Session(engine) as session:
        add_agencies(session)
        with pytest.raises(DataError, match="invalid input syntax"):
            read.rows(session, {"id": "not a number"})
        session.rollback()
        assert read.rows(session, {"id": -1}) == []


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_one_text_is_one_prepared_statement_whatever_its_values(engine: Engine) -> None:
    """Ids small and large, lists empty and not: the same text is prepared once on the connection, not
    once for each mix of the types psycopg would give the values (and the rarer mixes never)."""
    read = FixedRead(
        select(Agency.code)
        .where(
            Agency.id != bindparam("me", type_=BigInteger()),
            one_of(Agency.id, "ids") | one_of(Agency.code, "codes"),
        )
        .order_by(Agency.code)
    )
    with Session(engine) as session:
        add_agencies(session)
        first, *_ = (row.id for row in session.execute(select(Agency.id).order_by(Agency.id)))
        found = []
        for me, ids, codes in [
            (1, [], ["EA"]),
            (70_000, [first], []),
            (5_000_000_000, [40_000, first], ["MPS"]),
        ] * 6:
            found.append([row.code for row in read.rows(session, {"me": me, "ids": ids, "codes": codes})])
        # A NULL among the ids matches nothing, and the rest still match.
        with_null = read.rows(session, {"me": 70_000, "ids": [None, first], "codes": []})
        prepared = session.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%agencies.code%'")
        ).scalar()
    assert found[:3] == [["EA"], ["GLAA"], ["GLAA", "MPS"]]
    assert [row.code for row in with_null] == ["GLAA"]
    assert prepared == 1


def test_a_parameter_used_twice_and_a_literal_percent_sign(engine: Engine) -> None:
    """The text sent is numbered once for each parameter, wherever it is used, and a ``%`` in the SQL's own
    text stays one ``%``."""
    read = FixedRead(
        select(literal_column("'100%'").label("share"), Agency.code)
        .where((Agency.code == bindparam("code")) | (Agency.name == bindparam("code")))
        .order_by(Agency.code)
    )
    with Session(engine) as session:
        add_agencies(session)
        rows = read.rows(session, {"code": "EA"})
    assert [(row.share, row.code) for row in rows] == [("100%", "EA")]
