"""Agreement between two partitions of the same items: adjusted Rand index and normalised mutual information.

Both from one contingency table built with numpy (``np.unique`` over label pairs), so they stay fast and
small at millions of items. NMI uses the arithmetic mean of the two entropies (scikit-learn's default).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _codes(labels: Sequence[object] | np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(labels), return_inverse=True)[1].ravel()


def _contingency(
    a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts of each non-empty (a, b) cell with its row and column, and the row and column totals."""
    ca, cb = _codes(a), _codes(b)
    if len(ca) != len(cb):
        raise ValueError("the two partitions must label the same items")
    width = int(cb.max(initial=0)) + 1
    cells, joint = np.unique(ca.astype(np.int64) * width + cb, return_counts=True)
    rows, cols = np.bincount(ca).astype(np.float64), np.bincount(cb).astype(np.float64)
    return joint.astype(np.float64), cells // width, cells % width, rows, cols


def adjusted_rand_index(a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray) -> float:
    """1.0 for identical partitions, about 0.0 for unrelated ones."""
    joint, _, _, rows, cols = _contingency(a, b)
    n = rows.sum()

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, expected_rows, expected_cols = pairs(joint), pairs(rows), pairs(cols)
    total = n * (n - 1) / 2
    expected = expected_rows * expected_cols / total if total else 0.0
    maximum = (expected_rows + expected_cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def normalised_mutual_information(
    a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray
) -> float:
    """Mutual information over the mean of the two entropies: 1.0 for identical partitions."""
    joint, row_of, col_of, rows, cols = _contingency(a, b)
    n = rows.sum()
    mutual = float((joint / n * np.log(joint * n / (rows[row_of] * cols[col_of]))).sum())

    def entropy(x: np.ndarray) -> float:
        p = x[x > 0] / n
        return float(-(p * np.log(p)).sum())

    mean = (entropy(rows) + entropy(cols)) / 2
    return mutual / mean if mean > 0 else 1.0
