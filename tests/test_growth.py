"""The modulated-growth (seesaw) model: conservation, config errors, mechanism, rows, CLI."""
import json
import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from sim.config import ConfigError, parse_experiment
from kinetics import growth as g

BASE = """
model = "growth"
name = "t"
[synthesis]
precursor = "Ti(OMe)4"
water_vol_percent = 0.25
time_h = 3.0
"""


def _sim(**kw):
    return g.simulate(replace(g.Synthesis(), **kw))


def test_titanium_is_conserved():
    """Precursor + dissolved + particles + TiO2 = Ti charged, at every output time."""
    for kw in ({}, {"water_vol_percent": 2.0, "precursor": "Ti(OMe)4"},
               {"modulator": "formic", "temperature_C": 150.0}):
        sim = _sim(**kw)
        rec = sim.record
        total = rec[:, g.C_PREC] + rec[:, g.C_MSOL] + rec[:, g.C_TIPART] + rec[:, g.C_TIO2]
        assert np.allclose(total, sim.ti0_M, rtol=1e-6, atol=0)


def test_particle_inventory_matches_classes():
    sim = _sim()
    units = np.sum(sim.numbers_per_L * 4 / 3 * math.pi * (sim.diameters_nm / 2) ** 3
                   * 1e-24 / g.VM_L_PER_MOL_TI)
    assert units == pytest.approx(sim.final[g.C_TIPART], rel=1e-9)
    # the stored histogram counts every particle
    assert sim.hist[-1].sum() == pytest.approx(sim.numbers_per_L.sum(), rel=1e-12)


def test_no_water_no_crystals_and_much_water_makes_tio2():
    assert _sim(water_vol_percent=0.0).crystal_yield == 0.0
    dry = _sim(water_vol_percent=0.25, precursor="Ti(OMe)4")
    wet = _sim(water_vol_percent=2.0, precursor="Ti(OMe)4")
    assert wet.tio2_fraction > 5 * dry.tio2_fraction


def test_capping_alone_makes_particles_smaller():
    """Ligand role: a stronger-binding modulator surface (larger K_cap) gives more,
    smaller particles at fixed acidity."""
    p = g.GrowthParameters.default()
    s = g.Synthesis(precursor="Ti(OMe)4", water_vol_percent=0.25)
    weak = g.simulate(s, replace(p, log_k_cap=p.log_k_cap - 1.0))
    strong = g.simulate(s, replace(p, log_k_cap=p.log_k_cap + 1.0))
    assert strong.mean_diameter_nm < weak.mean_diameter_nm


@pytest.mark.parametrize("modulator,eq,ti_M", [("benzoic", 5.0, 1e-3), ("formic", 0.0, 1e-12),
                                               ("acetic", 10.0, 0.05)])
def test_sparse_speciation_equals_dense_newton(modulator, eq, ti_M):
    """The kernel's sparse Newton takes the same steps as the dense reference
    (newton_inplace) from the same warm start: identical numbers."""
    from sim.equilibria import newton_inplace, newton_sparse, tableau_pattern

    p = g.GrowthParameters.default()
    _, logk, stoich = g.speciation_tableau(g.MODULATOR_PKA[modulator],
                                           g.MODULATOR_LOG_BETA[modulator], p)
    l0 = 0.063
    totals = np.array([2 * l0 + eq * l0, l0, max(eq * l0, 1e-14), ti_M, p.base_M])
    start = np.log(np.array([1e-4, 1e-9, max(eq * l0, 1e-12) * 0.01, 1e-12, 1e-3 * p.base_M]))
    y_dense, y_sparse = start.copy(), start.copy()
    s_dense, s_sparse = np.empty(12), np.empty(12)
    ok = newton_inplace(logk, stoich, totals, y_dense, s_dense, np.empty(5), np.empty((5, 5)),
                        np.empty(5), 1e-10, 200)
    its = newton_sparse(logk, stoich, *tableau_pattern(stoich), totals, y_sparse, s_sparse,
                        np.empty(5), np.empty((5, 5)), np.empty(5), 1e-10, 200)
    assert ok and its > 0
    assert np.array_equal(y_dense, y_sparse)
    assert np.array_equal(s_dense, s_sparse)


def test_sweep_kernel_equals_single_runs():
    syn = [g.Synthesis(modulator_eq=e) for e in (0.0, 5.0)] + [g.Synthesis(temperature_C=150.0)]
    out = g.sweep_points(syn)
    for s, row in zip(syn, out):
        sim = g.simulate(s, numerics=g.Numerics(output_points=2))
        assert row[0] == pytest.approx(sim.mean_diameter_nm, rel=1e-12)
        assert row[2] == pytest.approx(sim.crystal_yield, rel=1e-12)


@pytest.mark.parametrize("line,key", [
    ('precursor = "Ti(OPr)4"', "synthesis.precursor"),
    ("water_vol_percent = -1.0", "synthesis.water_vol_percent"),
    ("water_vol_percent = 150.0", "synthesis.water_vol_percent"),
    ("temperature_C = -300.0", "synthesis.temperature_C"),
    ("temperature_C = 5.0", "synthesis.temperature_C"),
    ('modulator_eq = "five"', "synthesis.modulator_eq"),
    ("stir_rpm = 300", "synthesis.stir_rpm"),
])
def test_bad_input_is_rejected_before_work(line, key):
    text = BASE.replace('time_h = 3.0', 'time_h = 3.0\n' + line)
    if line.split(" = ")[0] in BASE:
        text = "\n".join(ln for ln in BASE.splitlines()
                         if not ln.startswith(line.split(" = ")[0])) + "\n" + line + "\n"
    with pytest.raises(ConfigError) as err:
        parse_experiment(text, file="x.toml")
    assert err.value.key == key
    assert "x.toml" in str(err.value)


def test_reference_files_load_and_cover_the_paper_rows():
    exps = g.reference_experiments()
    for group in g.REFERENCE.values():
        for name in group:
            assert name in exps
    assert len(exps) == 25


def test_validate_rows_have_roles_and_json_keys():
    rows = g.MODEL.validate(quick=True)
    assert len(rows) == 14
    roles = {r.role for r in rows}
    assert roles == {"fitted", "predicted"}
    keys = {"experiment", "quantity", "measured", "simulated", "deviation", "tolerance", "pass",
            "model", "role"}
    for r in rows:
        assert set(r.as_json()) == keys
        json.dumps(r.as_json())
    # with the recorded fit every reference row passes (regression guard on the model)
    failing = [(r.experiment, r.quantity, r.simulated) for r in rows if not r.passed]
    assert failing == []


def test_fitted_file_is_used_by_defaults():
    from sim.fit import load_fitted

    fitted = load_fitted("growth")
    assert set(g.GrowthParameters.FITTED) <= set(fitted)
    p = g.GrowthParameters.default()
    for name in g.GrowthParameters.FITTED:
        assert getattr(p, name) == fitted[name]


def test_cli_run_writes_result_and_plot(tmp_path):
    out = tmp_path / "opt.h5"
    cfg = tmp_path / "opt.toml"
    cfg.write_text(BASE)
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(cfg), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for word in ("mean_diameter_nm", "dispersity", "scherrer_size_nm", "yield"):
        assert word in proc.stdout
    assert out.exists() and out.with_suffix(".png").exists()
    from sim.store import read_result

    res, prov = read_result(out)
    assert res["size_distribution/number_per_L"].shape[1] == 200
    assert "growth" in prov["config_text"]
    assert 5.0 < float(res.summary["mean_diameter_nm"].values) < 500.0
