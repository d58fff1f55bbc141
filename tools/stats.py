"""The one percentile definition used by every report in ``tools``."""

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The value at percentile ``p`` (0–100) of ``values`` by nearest rank; NaN when empty.

    Nearest rank always returns a value that was measured (no interpolation between two
    requests), so "p95 = 40 ms" means one of the requests took 40 ms.
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
