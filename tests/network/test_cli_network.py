"""`crimelink network analyse`: any edge list in, communities / rankings / key players out, bad rows named."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from typer.testing import CliRunner

from crimelink.cli_network import network_app

runner = CliRunner()


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    return path


def two_cliques_edges(path: Path) -> Path:
    """Cliques a..e and v..z, each tied through two members to the bridge node 'hub'."""
    rows: list[list[object]] = []
    for clique in ("abcde", "vwxyz"):
        rows += [[a, b, 2] for a, b in itertools.combinations(clique, 2)]
        rows += [["hub", clique[0], 1], [clique[1], "hub", 1]]
    return write(path, ["from", "to", "strength"], rows)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def analyse(*args: str) -> tuple[int, str]:
    result = runner.invoke(network_app, ["analyse", *args])
    return result.exit_code, result.output


def test_analyse_writes_communities_rankings_and_key_players(tmp_path: Path) -> None:
    edges = two_cliques_edges(tmp_path / "links.csv")
    code, output = analyse(
        str(edges),
        "--out",
        str(tmp_path / "out"),
        "--source",
        "from",
        "--target",
        "to",
        "--weight",
        "strength",
        "--top-k",
        "3",
    )
    assert code == 0, output
    assert "communities of 3 or more people" in output

    communities = read(tmp_path / "out" / "communities.csv")
    groups: dict[str, set[str]] = {}
    for row in communities:
        groups.setdefault(row["community"], set()).add(row["node"])
    assert len(groups) == 2
    assert any(set("abcde") <= g for g in groups.values())
    assert any(set("vwxyz") <= g for g in groups.values())
    assert all(row["suggested_role"] for row in communities)

    rankings = {row["node"]: row for row in read(tmp_path / "out" / "rankings.csv")}
    assert rankings["hub"]["key_player_rank"] == "1"
    assert rankings["hub"]["broker"] == "yes"
    assert rankings["c"]["broker"] == "no"
    assert float(rankings["hub"]["betweenness"]) > float(rankings["c"]["betweenness"])
    assert sorted(int(row["key_player_rank"]) for row in rankings.values()) == list(range(1, 12))

    key_players = read(tmp_path / "out" / "key_players.csv")
    network_rows = [row for row in key_players if row["scope"] == "network"]
    assert [row["rank"] for row in network_rows] == ["1", "2", "3"]
    assert network_rows[0]["node"] == "hub"
    assert (network_rows[0]["largest_before"], network_rows[0]["largest_after"]) == ("11", "5")
    assert any(row["scope"].startswith("community ") for row in key_players)


def test_node_table_facts_give_roles(tmp_path: Path) -> None:
    edges = write(
        tmp_path / "edges.csv",
        ["source", "target"],
        [["boss", "runner"], ["runner", "kid"], ["boss", "kid"], ["boss", "phone"], ["runner", "phone"]],
    )
    nodes = write(
        tmp_path / "nodes.csv",
        ["id", "kind", "is_child", "threats", "birthplace"],
        [
            ["boss", "person", "no", "COUNTY_LINES", "1"],
            ["runner", "PERSON", "", "DRUG_SUPPLY", "2"],
            ["kid", "PERSON", "yes", "CCE;COUNTY_LINES", "1"],
            ["phone", "PHONE", "", "", ""],
        ],
    )
    code, output = analyse(str(edges), "--nodes", str(nodes), "--out", str(tmp_path / "out"))
    assert code == 0, output
    roles = {row["node"]: row for row in read(tmp_path / "out" / "communities.csv")}
    assert roles["kid"]["suggested_role"] == "EXPLOITED_PERSON"
    assert roles["kid"]["role_reasons"] == "a child in records about CCE, COUNTY_LINES"
    assert roles["phone"]["suggested_role"] == ""
    assert {roles["boss"]["suggested_role"], roles["runner"]["suggested_role"]} == {"PRINCIPAL", "ASSOCIATE"}
    rankings = {row["node"]: row for row in read(tmp_path / "out" / "rankings.csv")}
    assert rankings["kid"]["key_player_rank"] == ""  # an exploited child is never a key player


def test_a_non_numeric_weight_is_refused_naming_file_row_and_column(tmp_path: Path) -> None:
    edges = write(
        tmp_path / "edges.csv", ["source", "target", "weight"], [["a", "b", "1"], ["b", "c", "lots"]]
    )
    code, output = analyse(str(edges), "--out", str(tmp_path / "out"))
    assert code == 1
    flat = " ".join(output.split())
    assert "edges.csv" in flat
    assert "row 3, column 'weight': 'lots' is not a number" in flat
    assert not (tmp_path / "out" / "rankings.csv").exists()


def test_a_missing_column_and_an_unknown_node_are_refused(tmp_path: Path) -> None:
    edges = write(tmp_path / "edges.csv", ["from", "to"], [["a", "b"]])
    code, output = analyse(str(edges), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "no column 'source'; the header has 'from', 'to'" in " ".join(output.split())

    nodes = write(tmp_path / "nodes.csv", ["id"], [["a"]])
    code, output = analyse(
        str(edges),
        "--nodes",
        str(nodes),
        "--source",
        "from",
        "--target",
        "to",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 1
    assert "row 2, column 'to': node 'b' is not in nodes.csv" in " ".join(output.split())


def test_bad_node_facts_are_refused(tmp_path: Path) -> None:
    edges = write(tmp_path / "edges.csv", ["source", "target"], [["a", "b"]])
    nodes = write(tmp_path / "nodes.csv", ["id", "is_child"], [["a", "no"], ["b", "perhaps"]])
    code, output = analyse(str(edges), "--nodes", str(nodes), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "row 3, column 'is_child': 'perhaps' is not yes or no" in " ".join(output.split())
    weights = write(tmp_path / "weights.csv", ["source", "target", "weight"], [["a", "b", "-1"]])
    code, output = analyse(str(weights), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "row 2, column 'weight': '-1'; weights must be positive numbers" in " ".join(output.split())


def test_an_edge_list_without_rows_is_refused(tmp_path: Path) -> None:
    edges = write(tmp_path / "edges.csv", ["source", "target"], [])
    code, output = analyse(str(edges), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "no rows after the header" in " ".join(output.split())
