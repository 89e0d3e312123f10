"""`nanokin fit` on a real model: reproducible files, the shipped fit left alone, overrides."""
from __future__ import annotations

import json

import pytest

from sim.cli import main


@pytest.mark.slow
def test_fit_growth_same_seed_same_file(tmp_path, monkeypatch):
    from sim.model import get_model

    shipped = get_model("growth").parameters.fit_path
    before = shipped.read_bytes()
    monkeypatch.chdir(tmp_path)
    # two observations (two syntheses per evaluation) keep the three fits short
    small = ["--walkers", "24", "--steps", "4", "--burn", "1",
             "--use", "precursor_ome_d", "--use", "precursor_oet_d"]
    args = ["fit", "growth", "--seed", "1", *small]
    assert main(args + ["-o", "a.json"]) == 0
    assert main(args + ["-o", "b.json"]) == 0
    a, b = json.loads((tmp_path / "a.json").read_text()), json.loads((tmp_path / "b.json").read_text())
    assert a.pop("samples_file") == "a.h5" and b.pop("samples_file") == "b.h5"
    assert a == b
    assert (tmp_path / "a.json").read_text().replace("a.h5", "b.h5") == (tmp_path / "b.json").read_text()
    assert a["provenance"]["seed"] == 1 and "commit" in a["provenance"]
    assert shipped.read_bytes() == before          # without --write the shipped fit is untouched
    assert main(["fit", "growth", "--seed", "2", *small, "-o", "c.json"]) == 0
    assert json.loads((tmp_path / "c.json").read_text())["samples_sha256"] != a["samples_sha256"]


@pytest.mark.parametrize("model", ["growth", "photodoping", "photocatalysis", "ligand_exchange"])
def test_every_model_has_a_table_observations_and_a_current_fit(model):
    from sim.model import get_model

    m = get_model(model)
    table = m.parameters
    assert table is not None and table.free, f"{model}: no calibrated parameters"
    for p in table:
        assert p.source.strip(), p.name
    obs = m.observations()
    assert obs and all(o.source for o in obs)
    rec = table.fit_record()
    assert set(rec["parameters"]) == set(table.free), "the shipped fit is older than the table"
    known = {o.id for o in obs}
    assert set(rec["observations_used"]) <= known
    assert rec["provenance"]["tree_clean"] is True, "the shipped fit was made from a dirty tree"


@pytest.mark.parametrize("model", ["growth", "photodoping", "photocatalysis", "ligand_exchange"])
def test_every_model_rejects_unknown_parameters(model, tmp_path):
    from sim.config import ConfigError, load_experiment
    from sim.model import get_model
    from sim.paths import model_inputs

    src = sorted(model_inputs(model).glob("*.toml"))[0]
    text = src.read_text()
    bad = tmp_path / "bad.toml"
    has_table = any(line.strip() == "[parameters]" for line in text.splitlines())
    bad.write_text(text + "\n[parameters]\nno_such_parameter = 1.0\n" if not has_table
                   else text.replace("\n[parameters]\n", "\n[parameters]\nno_such_parameter = 1.0\n", 1))
    with pytest.raises(ConfigError) as err:
        load_experiment(bad)
    msg = str(err.value)
    assert "parameters.no_such_parameter" in msg and "unknown parameter" in msg
    assert get_model(model).parameters.names[0] in msg
