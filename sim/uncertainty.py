"""Posterior predictive intervals of a run's summary values.

``nanokin run --draws N`` reruns the experiment for ``N`` parameter sets drawn from
the recorded posterior (parameters set in the file's ``[parameters]`` keep their
value in every draw) and reports, for every scalar summary value, the 5 %, 50 % and
95 % quantiles over the draws.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from sim.store import Quantity

QUANTILES = (0.05, 0.5, 0.95)


def summary_intervals(model, experiment, result, n_draws: int) -> dict[str, Quantity]:
    """``{name: Quantity([q05, q50, q95], unit)}`` for every numeric summary value."""
    from tqdm.auto import tqdm

    draws = model.parameters.draws(n_draws, seed=experiment.seed,
                                   overrides=experiment.parameters)
    names = [k for k, q in result.summary.items() if _is_number(q.values)]
    values = {k: [] for k in names}
    for d in tqdm(draws, desc=f"{experiment.name}: posterior draws", unit="draw", leave=False,
                  disable=None):
        res = model.run(dataclasses.replace(experiment, parameters=d))
        for k in names:
            v = res.summary[k].values if k in res.summary else math.nan
            values[k].append(float(v) if _is_number(v) else math.nan)
    out = {}
    for k in names:
        arr = np.asarray(values[k], float)
        arr = arr[np.isfinite(arr)]
        if arr.size:
            out[k] = Quantity(np.quantile(arr, QUANTILES), result.summary[k].unit,
                              f"5 %, 50 %, 95 % quantiles over {arr.size} posterior draws")
    return out


def _is_number(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    try:
        return np.ndim(v) == 0 and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False
