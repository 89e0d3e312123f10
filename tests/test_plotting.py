"""The shared plotting helpers (sim/plotting.py)."""


def test_percentiles_of_columns_without_finite_draws_are_nan_without_warning():
    import warnings

    import numpy as np

    from sim.plotting import percentiles
    s = np.array([[1.0, np.nan, 3.0], [2.0, np.nan, np.nan], [3.0, np.nan, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = percentiles(s, (0.0, 100.0))
    assert lo[0] == 1.0 and hi[0] == 3.0
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[2] == 3.0 and hi[2] == 5.0
