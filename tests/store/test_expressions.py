"""``one_of``: a list bound at execution, one statement text whatever its length."""

from __future__ import annotations

from sqlalchemy import Engine, event, insert, select

from crimelink.domain.codes import AgencyKind
from crimelink.store.expressions import one_of
from crimelink.store.models import Agency

_BY_CODE = select(Agency.code).where(one_of(Agency.code, "codes")).order_by(Agency.code)


def test_one_of_finds_the_listed_rows_with_one_text_on_postgresql(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Agency),
            [
                {"code": code, "name": f"Agency {code}", "kind": AgencyKind.ROCU, "contact": ""}
                for code in "ABCD"
            ],
        )
    texts: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: texts.append(args[2]))
    with engine.connect() as connection:
        found = [
            connection.execute(_BY_CODE, {"codes": codes}).scalars().all()
            for codes in (["C", "A", "Z"], ["D"], [])
        ]
    assert found == [["A", "C"], ["D"], []]
    if engine.dialect.name == "postgresql":
        assert len(set(texts)) == 1
        assert "ANY" in texts[0]
    else:  # SQLite writes the list out: an index serves it, and its statements are not prepared anyway
        assert all(" IN (" in text for text in texts if "FROM agencies" in text)
