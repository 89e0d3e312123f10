"""Cross-validation: the exported BioNetGen model run by NFsim against nanokin's kernel."""
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import kinetics.ligand_exchange as le
from sim.config import replace

pytestmark = pytest.mark.external

#: the parameter set in use before the port: a realistic point, independent of the shipped fit
#: (crosslinked_pair_distance_A of that set is now structure data: the bridged product file)
PRE_PORT = le.PARAMETERS.values(
    {k: v for k, v in json.loads((Path(__file__).parent / "data" / "ligand_exchange_legacy_8695f80.json")
                                 .read_text())["rates"].items() if k in le.PARAMETERS.names},
    use_fit=False)


def path_text(exp, tmp_path):
    return le.write_bngl(exp, tmp_path / "probe.bngl", n_clusters=2).read_text()


def _tools():
    pytest.importorskip("bionetgen")
    from sim.bionetgen import tools_available

    if not tools_available():
        pytest.skip("BNG2.pl / NFsim / perl not available")


@pytest.mark.parametrize("name,t_end_min,extra,config", [
    ("tbbt18_pdt", 1.5, {}, {}),
    ("pet18_tbbt_pdt", 2.0, {"aliphatic_leaving": 2e-3}, {}),
    # PDT alone, with fast PET loss and disulfide coupling between clusters switched on
    ("pet18_pdt", 3.0, {"aliphatic_leaving": 0.05, "k_disulfide_M_s": 2000.0, "k_tde_M_s": 0.0}, {}),
    # TBBT18 + PDT with fast coupling, and the free TBBTH cleaving the links again
    ("tbbt18_pdt", 1.5, {"k_disulfide_M_s": 3000.0, "k_tde_M_s": 0.1, "k_close_per_s": 0.0},
     {"reagents.monothiol_equiv": 400.0}),
])
def test_nfsim_agrees_with_kernel(tmp_path, name, t_end_min, extra, config):
    _tools()
    from sim.bionetgen import read_gdat, run_bng2

    n_nf, n_nk, steps = 60, 1500, 3
    exp = le.load_reference(name)
    times = tuple(np.linspace(0.0, t_end_min, steps + 1))
    cfg = replace(exp.config, **{"conditions.times_min": times, **config})
    # the rates reach the export through the experiment's [parameters] table, as in a file
    params = {**PRE_PORT, "k_disulfide_M_s": 0.0, **extra}
    exp = dataclasses.replace(exp, config=cfg, parameters=params)
    if params["k_disulfide_M_s"] > 0:
        text = path_text(exp, tmp_path)
        assert "+ C(s" in text
        if params["k_tde_M_s"] > 0:
            assert "!1).C(s" in text and "+ L_TBBT() ->" in text
    path = le.write_bngl(exp, tmp_path / "model.bngl", n_clusters=n_nf, seed=12345)
    wd = run_bng2(path.read_text(), workdir=tmp_path / "run", name="model", timeout=600)
    head, data = read_gdat(wd / "model.gdat")
    assert data.shape[0] == steps + 1
    assert np.allclose(data[:, 0], 60.0 * np.array(times), rtol=1e-6)

    sysm, times_s, counts, links, conc, events = le.simulate(cfg, le.MODEL.parameter_values(exp), seed=7,
                                                             n_clusters=n_nk)
    code = sysm.code_names()
    st = [c.replace(":dangling", "_D").replace(":bridged", "_B").replace(":crosslinked", "_X") for c in code]
    checked = 0
    for k, c in enumerate(st):
        col = head.index(f"n_{c}")
        nf_mean = data[1:, col] / n_nf
        per_cluster = counts[1:, :, k].astype(float)
        nk_mean = per_cluster.mean(axis=1)
        sd = per_cluster.std(axis=1, ddof=1)
        se = sd * np.sqrt(1.0 / n_nf + 1.0 / n_nk)
        # NFsim's mean over n_nf clusters moves in steps of 1/n_nf: for a species a few
        # clusters hold, one cluster more is within the resolution of the comparison
        ok = np.abs(nf_mean - nk_mean) <= 3.0 * se + 1.0 / n_nf + 1e-9
        assert ok.all(), (c, nf_mean, nk_mean, se)
        checked += int(sd.max() > 0)
    assert checked >= 3           # ligand types that actually changed
    # bridged dithiols: half the bridged sites; free reagents follow from site counts
    for r, nm in enumerate(sysm.mono + sysm.di):
        col = head.index(f"free_L_{le._label(nm)}")
        assert data[0, col] == pytest.approx(conc[0, r] / sysm.dc_M * n_nf / n_nk, rel=1e-6)
