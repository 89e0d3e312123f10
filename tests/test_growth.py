"""The modulated-growth (seesaw) model for any metal-oxo-cluster carboxylate framework:
materials as data, conservation, mechanism, config errors, batch paths, robustness of every
shipped experiment, figures, sensitivity."""
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError, load_experiment, parse_experiment
from kinetics.growth import MODEL
from kinetics.growth import kernel as k
from kinetics.growth import materials as mat
from kinetics.growth import simulation as gs
from kinetics.growth.config import Numerics, Synthesis
from kinetics.growth.export import result_of
from kinetics.growth.observables import NEEDS, REFERENCE, SCHERRER_IDS, reference_experiments

BASE = """
model = "growth"
name = "t"
[synthesis]
precursor = "Ti(OMe)4"
water_vol_percent = 0.25
time_h = 3.0
"""
UIO = dict(material="UiO-66", precursor="ZrCl4", metal_mmol=0.5, linker_mmol=0.5,
           methanol_mL=0.0, temperature_C=120.0, time_h=6.0, water_vol_percent=0.1)
QUICK = Numerics(step_change=0.05, merge_ratio=1.1, max_classes=100, output_points=5)


@pytest.fixture(scope="module")
def v():
    """Prior centres (independent of the shipped fit)."""
    return MODEL.parameters.values({}, use_fit=False)


def _sim(v, numerics=QUICK, **kw):
    return gs.simulate(replace(Synthesis(), **kw), v, numerics)


# ----------------------------------------------------------------------------- materials as data

def test_materials_are_read_from_files():
    fw = mat.framework("UiO-66")
    assert (fw.metal, fw.metal_per_node, fw.linker_per_node) == ("Zr", 6, 6)
    assert fw.water_per_metal == pytest.approx(8 / 6)
    assert fw.hydroxo_per_node == 4
    mil = mat.framework("mil125")                      # file stem works too
    assert mil.name == "MIL-125" and mil.linker_per_metal == 0.75
    # crystal volume per metal from the CIFs: MIL-125 18.654² x 18.144 Å³ / 16 Ti,
    # UiO-66 (a = 20.7 Å fcc cell, 24 Zr)
    assert mil.volume_per_metal_nm3 == pytest.approx(1.86543 ** 2 * 1.81444 / 16, rel=1e-4)
    assert 20.6 ** 3 / 24e3 < fw.volume_per_metal_nm3 < 21.0 ** 3 / 24e3
    assert mat.precursor("ZrOCl2.8H2O").water_per_metal == 8.0
    assert mat.modulator("p-toluic").heavy_atoms == 7
    with pytest.raises(KeyError) as err:
        mat.framework("MOF-5")
    assert "UiO-66 (frameworks/uio66.toml)" in str(err.value)


def test_model_code_holds_no_framework_constants():
    """Kernel and model code read the framework from the files: no cell, no Ti count."""
    src = Path(gs.__file__).parent
    for name in ("kernel.py", "simulation.py", "observables.py", "summaries.py", "pxrd.py"):
        text = (src / name).read_text()
        for token in ("18.65", "18.14", "BDC_PER_TI", "VM_L_PER_MOL_TI", "TI_PER_NODE",
                      "CHARTON_NU", "MODULATOR_PKA"):
            assert token not in text, (name, token)


def test_material_files_change_the_kernel_inputs(v):
    mil = gs.kernel_inputs(Synthesis(), v)
    nh2 = gs.kernel_inputs(replace(Synthesis(), material="NH2-MIL-125"), v)
    uio = gs.kernel_inputs(replace(Synthesis(), **UIO), v)
    assert not np.array_equal(mil[1], nh2[1])            # linker pKa of the file
    assert mil[0][k.I_VM] == nh2[0][k.I_VM]              # same (MIL-125) cell
    assert uio[0][k.I_LPM] == 1.0 and mil[0][k.I_LPM] == 0.75
    assert uio[0][k.I_ACID] == 4.0 and mil[0][k.I_ACID] == 0.0


# ----------------------------------------------------------------------------- conservation

@pytest.mark.parametrize("kw", [{}, {"water_vol_percent": 2.0}, UIO,
                                dict(UIO, precursor="ZrOCl2.8H2O", water_vol_percent=0.0),
                                {"precursor": "Cp2TiCl2"}])
def test_metal_is_conserved(v, kw):
    sim = _sim(v, **kw)
    rec = sim.record
    total = rec[:, k.C_PREC] + rec[:, k.C_MSOL] + rec[:, k.C_TIPART] + rec[:, k.C_TIO2]
    assert np.allclose(total, sim.metal0_M, rtol=1e-9)


def test_particle_inventory_matches_classes(v):
    sim = _sim(v, **UIO)
    vm = mat.framework("UiO-66").molar_volume_L_per_mol
    units = np.sum(sim.numbers_per_L * 4 / 3 * math.pi * (sim.diameters_nm / 2) ** 3) * 1e-24 / vm
    assert units == pytest.approx(sim.final[k.C_TIPART], rel=1e-9)


def test_no_water_no_crystals_and_much_water_makes_oxide(v):
    dry = _sim(v, water_vol_percent=0.0)
    assert dry.crystal_yield == 0.0 and dry.tio2_fraction == 0.0
    wet = _sim(v, water_vol_percent=20.0)
    assert wet.tio2_fraction > 0.05


# ----------------------------------------------------------------------------- mechanism

def test_capping_makes_particles_smaller(v):
    weak = _sim(v, modulator_eq=5.0)
    strong = gs.simulate(replace(Synthesis(), modulator_eq=5.0), dict(v, log_k_cap=4.0), QUICK)
    assert strong.mean_diameter_nm < weak.mean_diameter_nm


def test_capping_follows_descriptors_not_a_per_modulator_factor(v):
    caps = {m: gs.log_k_cap(mat.modulator(m), v) for m in ("benzoic", "p-toluic", "acetic",
                                                           "formic")}
    # more contact energy: larger substituents cap more strongly, the rest unchanged
    more = {m: gs.log_k_cap(mat.modulator(m), dict(v, contact_energy_J_mol=5e3))
            for m in caps}
    assert more["p-toluic"] - caps["p-toluic"] > more["benzoic"] - caps["benzoic"] == 0.0
    assert more["formic"] < caps["formic"]
    # without contact energy only basicity (pKa) orders them
    flat = {m: gs.log_k_cap(mat.modulator(m), dict(v, contact_energy_J_mol=0.0)) for m in caps}
    assert sorted(flat, key=flat.get) == ["formic", "benzoic", "p-toluic", "acetic"]


def test_dmf_hydrolysis_makes_more_base_when_hot_and_wet(v):
    base = {T: _sim(v, temperature_C=T).final[k.C_BASE] for T in (80.0, 110.0, 150.0)}
    assert 0 < base[80.0] < base[110.0] < base[150.0]
    wetter = _sim(v, water_vol_percent=1.0).final[k.C_BASE]
    assert wetter > base[110.0]
    faster = gs.simulate(Synthesis(water_vol_percent=0.25), dict(v, dmf_acid_catalysis_per_M=1e6),
                         QUICK).final[k.C_BASE]
    slower = gs.simulate(Synthesis(water_vol_percent=0.25), v, QUICK).final[k.C_BASE]
    assert faster > slower


def test_chloride_precursor_leaves_acid_alkoxide_takes_up_linker_protons(v):
    cl = _sim(v, **dict(UIO, modulator_eq=1.0))
    alk = _sim(v, **dict(UIO, modulator_eq=1.0, precursor="Zr(OnPr)4"))
    assert cl.final[k.C_PH] < alk.final[k.C_PH] - 0.5


def test_ambient_water_is_the_nuisance_parameter(v):
    s = Synthesis(water_vol_percent="ambient")
    a = gs.kernel_inputs(s, dict(v, ambient_water_vol_percent=0.2))[0][k.I_W0]
    b = gs.kernel_inputs(s, dict(v, ambient_water_vol_percent=0.4))[0][k.I_W0]
    assert b == pytest.approx(2 * a)


@pytest.mark.parametrize("modulator,eq,ti,base", [("benzoic", 5.0, 1e-3, 1e-3),
                                                  ("formic", 0.0, 1e-12, 1e-8),
                                                  ("acetic", 10.0, 0.05, 0.05)])
def test_sparse_speciation_equals_general_solver(v, modulator, eq, ti, base):
    from sim.equilibria import solve_speciation

    pka = mat.modulator(modulator).pka
    _, logk, stoich = gs.speciation_tableau(pka, gs.log_beta_carboxylate(pka, v), v,
                                            mat.framework("UiO-66"), formate=True)
    l0 = 0.06
    totals = np.array([2 * l0 + eq * l0 + base, l0, max(eq * l0, 1e-14), ti, base, base])
    _, ref = solve_speciation(logk, stoich, totals)
    sp = k._speciate(logk, stoich, totals, np.log(np.full(6, 1e-5)))
    assert np.allclose(sp, ref, rtol=1e-7)


# ----------------------------------------------------------------------------- batch paths

def test_sweep_kernel_equals_single_runs(v):
    runs = [(Synthesis(modulator_eq=0.0), v, QUICK),
            (Synthesis(modulator_eq=5.0), dict(v, log_k_cap=3.0), QUICK),
            (replace(Synthesis(), **UIO), v, replace(QUICK, max_classes=30)),
            (Synthesis(temperature_C=150.0), v, replace(QUICK, output_points=2))]
    out = gs.run_batch(runs)
    for (s, vals, nm), row in zip(runs, out):
        sim = gs.simulate(s, vals, nm)
        assert row[k.O_D] == pytest.approx(sim.mean_diameter_nm, rel=1e-12)
        assert row[k.O_DISP] == pytest.approx(sim.dispersity, rel=1e-12, abs=1e-15)
        assert row[k.O_YIELD] == pytest.approx(sim.crystal_yield, rel=1e-12)
        assert row[k.O_NCLASS] == sim.n_classes <= nm.max_classes


def _exp(text, name="x.toml"):
    return parse_experiment(text, file=name)


def test_summaries_equal_single_runs_and_compute_pxrd_only_when_asked(v):
    quick = "\n[numerics]\nstep_change = 0.05\nmerge_ratio = 1.1\n"
    plain = _exp(BASE.replace("time_h = 3.0", "time_h = 1.0") + quick + "max_classes = 100\n")
    uio = _exp("model = 'growth'\nname = 'u'\n[synthesis]\n" + "\n".join(
        f"{a} = {b!r}" if isinstance(b, str) else f"{a} = {b}" for a, b in UIO.items())
        + quick + "max_classes = 40\n")
    exps = [plain, uio]
    pts = MODEL.summaries(exps, values_list=[v, v])
    for e, p in zip(exps, pts):
        s, nm = e.config.synthesis, e.config.numerics
        res = result_of(e, gs.simulate(s, v, nm))
        for q in ("mean_diameter_nm", "dispersity", "yield", "tio2_fraction",
                  "modulator_per_linker", "dmf_base_M", "scherrer_size_nm"):
            want = float(res.summary[q].values)
            assert p.values[q] == pytest.approx(want, rel=1e-9, nan_ok=True), q
    fast = MODEL.summaries(exps, ["mean_diameter_nm", "bogus"], [v, v])
    assert set(fast[0].values) == {"mean_diameter_nm", "bogus"}
    assert math.isnan(fast[0].values["bogus"]) and "not a growth quantity" in fast[0].reasons["bogus"]


def test_summaries_fail_one_point_with_a_reason(v):
    good = _exp(BASE)
    bad = replace(good, config=replace(good.config, synthesis=replace(
        good.config.synthesis, material="MOF-5")))
    a, b = MODEL.summaries([good, bad], ["mean_diameter_nm"], [v, v])
    assert math.isfinite(a.values["mean_diameter_nm"]) and not a.failure
    assert math.isnan(b.values["mean_diameter_nm"]) and "MOF-5" in b.failure


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("line,key,word", [
    ('precursor = "Ti(OPr)4"', "synthesis.precursor", "Ti(OMe)4 (precursors/ti_ome4.toml)"),
    ('material = "MOF-5"', "synthesis.material", "UiO-66 (frameworks/uio66.toml)"),
    ('modulator = "oxalic"', "synthesis.modulator", "benzoic (modulators/benzoic.toml)"),
    ('precursor = "ZrCl4"', "synthesis.precursor", "a Ti precursor for MIL-125"),
    ("water_vol_percent = -1.0", "synthesis.water_vol_percent", ""),
    ('water_vol_percent = "humid"', "synthesis.water_vol_percent", ""),
    ("temperature_C = 5.0", "synthesis.temperature_C", ""),
    ("stir_rpm = 300", "synthesis.stir_rpm", ""),
])
def test_bad_input_is_rejected_before_work(line, key, word):
    head = line.split(" = ")[0]
    text = "\n".join(ln for ln in BASE.splitlines() if not ln.startswith(head)) + "\n" + line + "\n"
    with pytest.raises(ConfigError) as err:
        parse_experiment(text, file="x.toml")
    assert err.value.key == key
    assert "x.toml" in str(err.value)
    assert word in str(err.value)


def test_parameter_table_declares_free_and_sourced_values():
    t = MODEL.parameters
    free = set(t.free)
    for name in ("k_dmf_hydrolysis_M_s", "log_k_cap", "contact_energy_J_mol", "log_csat_ref_M",
                 "s_solubility_per_nu", "log_nuc_prefactor", "h_sol_J_mol",
                 "water_solubility_exponent", "ambient_water_vol_percent"):
        assert name in free
    assert "base_M" not in t.names and "cap_ratio_alkyl" not in t.names
    for p in t:
        if p.free:
            lo, hi = p.bounds
            assert lo < p.value < hi
        assert p.source.strip()


def test_kernel_uses_every_parameter_of_the_table(v):
    s_amb = Synthesis(water_vol_percent="ambient", modulator="acetic", precursor="Ti(OMe)4",
                      temperature_C=90.0)
    base = gs.kernel_inputs(s_amb, v)
    for name in MODEL.parameters.names:
        bumped = gs.kernel_inputs(s_amb, dict(v, **{name: v[name] * 1.1 + 0.01}))
        changed = not np.array_equal(base[0], bumped[0]) or not np.array_equal(base[1], bumped[1])
        assert changed, name


# ----------------------------------------------------------------------------- robustness

def test_every_shipped_experiment_runs_without_traceback(v):
    """All of inputs/growth/ (quick numerics), PXRD included: finite or NaN with a reason."""
    exps = reference_experiments()
    assert len(exps) >= 33
    for name, e in exps.items():
        s = e.config.synthesis
        if s.ambient_water:
            s = replace(s, water_vol_percent=v["ambient_water_vol_percent"])
        res = result_of(replace(e, config=replace(e.config, synthesis=s)),
                        gs.simulate(s, v, QUICK))
        for q in ("mean_diameter_nm", "scherrer_size_nm", "yield"):
            x = float(res.summary[q].values)
            assert math.isfinite(x) or q in res.reasons, (name, q)


def test_failed_peak_fit_gives_nan_with_a_reason(v):
    from kinetics.growth.pxrd import scherrer_from_pattern

    sim = _sim(v, precursor="Cp2TiCl2", water_vol_percent=0.25)
    huge = replace(sim, diameters_nm=np.array([5e4]), numbers_per_L=np.array([1.0]))
    pat = scherrer_from_pattern(huge)
    assert math.isnan(pat.scherrer_nm) and "too large" in pat.reason


def test_out_of_domain_runs_say_so(v):
    e = _exp(BASE.replace("time_h = 3.0", "time_h = 1.0\ntemperature_C = 200.0\n"
                                          "modulator_eq = 10.0"))
    s = e.config.synthesis
    sim = gs.simulate(s, v, replace(QUICK, histogram_max_nm=11.0))
    assert sim.diameters_nm.max() > 11.0
    res = result_of(e, sim)
    text = " ".join(res.attrs["warnings"])
    assert "temperature_C = 200 °C is above the boiling point of DMF" in text
    assert "exceeds the size grid" in text
    assert "warnings" in res.summary


def test_plot_returns_a_figure_without_pyplot(v, tmp_path):
    from matplotlib.figure import Figure

    from kinetics.growth.plots import plot, size_density

    e = _exp(BASE)
    res = result_of(e, gs.simulate(e.config.synthesis, v, QUICK))
    fig = plot(res, tmp_path / "g.png")
    assert isinstance(fig, Figure)
    assert (tmp_path / "g.png").exists() and (tmp_path / "g.svg").exists()
    assert "matplotlib.pyplot" not in Path(plot.__code__.co_filename).read_text()
    # the density of discrete classes on fitted bins integrates to one
    x, y = size_density([10.0, 10.5, 11.0, 30.0], [1.0, 2.0, 1.0, 0.5])
    dlog = np.diff(np.log10(x)).mean()
    assert np.sum(y) * dlog == pytest.approx(1.0)


# ----------------------------------------------------------------------------- observations

def test_reference_files_cover_the_observations():
    exps = reference_experiments()
    for names in list(NEEDS.values()) + list(SCHERRER_IDS.values()):
        for name in names:
            assert name in exps
    obs = MODEL.observations()
    assert {o.id for o in obs} == set(NEEDS) | set(SCHERRER_IDS)
    for o in obs:
        assert o.source and o.note
    mil = {n for n, e in exps.items()
           if e.config.synthesis.ambient_water and e.config.synthesis.material == "MIL-125"}
    assert mil == set(REFERENCE["ba"] + REFERENCE["precursor"] + REFERENCE["modulator"])


def test_observables_batch_equals_one_at_a_time(v):
    ids = ["optimum_d", "modulator_content", "water_none"]
    sets = [v, dict(v, log_k_cap=3.0, k_dmf_hydrolysis_M_s=1e-6)]
    batch = MODEL.observables_batch(sets, ids)
    for vals, got in zip(sets, batch):
        assert got == MODEL.observables(vals, ids)
    assert batch[0] != batch[1]


def test_checks_pass_and_are_checks(v):
    from kinetics.growth.checks import checks

    rows = checks(v, time_step=False)     # the time-step row runs 4x finer syntheses (validate)
    assert len(rows) >= 5
    assert all(r.kind == "check" and r.role is None for r in rows)
    assert [r.quantity for r in rows if not r.passed] == []


# ----------------------------------------------------------------------------- sensitivity

def test_sensitivity_reports_the_rows_a_parameter_flips():
    from sim.params import Parameter, ParameterTable, Prior
    from sim.reference import Observation
    from sim.sensitivity import sensitivity, text

    class Toy:
        parameters = ParameterTable("toy", [
            Parameter("a", 1.0, "1", "calibrated", "test", "", (-10.0, 10.0), Prior("normal", 1.0)),
            Parameter("b", 1.0, "1", "calibrated", "test", "", (-10.0, 10.0), Prior("normal", 1.0))])

        def observations(self):
            return [Observation(id="pos", experiment="e", quantity="a > 0", group="g",
                                kind="range", min=0.0, max=math.inf, source="test")]

        def observables_batch(self, sets, ids, quick=False):
            return [{"pos": s["a"]} for s in sets]

    base_pass, rows = sensitivity(Toy(), base={"a": 1.0, "b": 1.0})
    assert base_pass == {"pos": True}
    by = {r.name: r for r in rows}
    assert list(by["a"].flips) == ["pos"] and min(by["a"].flips["pos"]) == pytest.approx(-1.0)
    assert by["b"].flips == {}
    assert "| a (1) |" in text(base_pass, rows)


# ----------------------------------------------------------------------------- CLI

def test_cli_run_writes_result_and_plot(tmp_path):
    out = tmp_path / "opt.h5"
    cfg = tmp_path / "opt.toml"
    cfg.write_text(BASE + "\n[numerics]\nstep_change = 0.05\nmax_classes = 100\n")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(cfg), "-o", str(out),
                           "--draws", "0"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for word in ("mean_diameter_nm", "dispersity", "scherrer_size_nm", "yield",
                 "modulator_per_linker"):
        assert word in proc.stdout
    assert out.exists() and out.with_suffix(".png").exists()
    from sim.store import read_result

    res, prov = read_result(out)
    assert res["size_distribution/number_per_L"].shape[1] == 250
    assert "growth" in prov["config_text"]
