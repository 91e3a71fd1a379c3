"""Scoring one pair of person rows in Python with a saved model: the same numbers as the batch.

The batch (Splink) scores millions of pairs in SQL. One new record, a search or the review queue needs a
handful of pairs scored at once, without a database: :class:`PairScorer` evaluates the Python twin of
each comparison level (:mod:`crimelink.linkage.model`) and adds up the trained weights saved with the
model. ``tests/linkage/test_scoring.py`` checks that it reproduces Splink's match weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from crimelink.errors import InvalidInputError
from crimelink.linkage import model


@dataclass(frozen=True)
class FieldWeight:
    """One comparison's verdict on a pair: which level it reached and the weight (log2 Bayes factor)."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class PairScore:
    match_probability: float
    match_weight: float
    fields: tuple[FieldWeight, ...]

    def explanation(self) -> dict[str, dict[str, Any]]:
        """Per comparison: the level reached and its weight, for storing and display."""
        return {f.comparison: {"level": f.level, "weight": round(f.weight, 3)} for f in self.fields}


class PairScorer:
    """Fellegi-Sunter scoring with the (m, u) of a saved Splink settings dictionary."""

    def __init__(self, settings: dict[str, Any]) -> None:
        prior = float(settings["probability_two_random_records_match"])
        self.prior_weight = math.log2(prior / (1 - prior))
        self._levels: list[tuple[model.PersonComparison, list[tuple[str, float, Any]]]] = []
        saved = {c["output_column_name"]: c for c in settings["comparisons"]}
        for comparison in model.COMPARISONS:
            if comparison.name not in saved:
                raise InvalidInputError(f"the saved model has no comparison '{comparison.name}'")
            by_label = {
                level["label_for_charts"]: level
                for level in saved[comparison.name]["comparison_levels"]
                if not level.get("is_null_level")
            }
            weighted: list[tuple[str, float, Any]] = []
            for level in comparison.levels:
                weighted.append((level.label, _weight(by_label, level.label), level.test))
            weighted.append(("else", _weight(by_label, "else"), None))
            self._levels.append((comparison, weighted))

    def score(self, left: model.Row, right: model.Row) -> PairScore:
        """Score two person rows (:meth:`PersonRecord.as_row` form)."""
        total = self.prior_weight
        fields = []
        for comparison, levels in self._levels:
            if comparison.is_null(left, right):
                fields.append(FieldWeight(comparison.name, "null", 0.0))
                continue
            for label, weight, test in levels:
                if test is None or test(left, right):
                    fields.append(FieldWeight(comparison.name, label, weight))
                    total += weight
                    break
        probability = 1 / (1 + 2 ** (-total)) if total > -1000 else 0.0
        return PairScore(probability, total, tuple(fields))


def _weight(levels: dict[str, dict[str, Any]], label: str) -> float:
    level = levels.get(label)
    if level is None or level.get("m_probability") is None or level.get("u_probability") is None:
        raise InvalidInputError(f"the saved model's level '{label}' has no m and u probabilities")
    return math.log2(float(level["m_probability"]) / float(level["u_probability"]))
