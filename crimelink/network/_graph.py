"""Small helpers the analyses share: validated edge weights and evidence seen from one end of a link."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import igraph as ig

from crimelink.errors import InvalidInputError
from crimelink.network.model import Evidence, flipped

# igraph draws its random numbers (Leiden's moves, ARPACK's start vector) from one process-wide
# generator: a lock keeps two seeded computations in different threads from interleaving their draws.
_RNG_LOCK = threading.Lock()


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run igraph with its random numbers drawn from ``random.Random(seed)``, so results repeat."""
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


def edge_weights(graph: ig.Graph, weight: str | None) -> list[float] | None:
    """The ``weight`` attribute of every edge, or None when there is none (every link then counts 1).

    Raises :class:`~crimelink.errors.InvalidInputError` for a weight that is not a positive number:
    lengths are ``1 / weight``, and modularity has no meaning for negative weights.
    """
    if weight is None or weight not in graph.es.attributes():
        return None
    values = [float(w) for w in graph.es[weight]]
    bad = next((i for i, w in enumerate(values) if not w > 0 or w == float("inf")), None)
    if bad is not None:
        raise InvalidInputError(
            weight, f"edge {bad} has weight {values[bad]!r}; link weights must be positive numbers"
        )
    return values


def seen_from(graph: ig.Graph, edge_id: int, vertex: int) -> tuple[Evidence, ...]:
    """The evidence of an edge with each item's parties in the order (``vertex``, the other end).

    A network stores an edge's parties in the order of the edge's ends (``source``, ``target``).
    """
    edge = graph.es[edge_id]
    items: Sequence[Evidence] = edge["evidence"]
    if edge.source == vertex:
        return tuple(items)
    return tuple(flipped(item) for item in items)
