"""Same numbers before and after the port of the ligand-exchange model to the parameter table.

With the parameter values in use before the port (the old PRIORS dict + the recorded
least-squares fit of commit 8695f80, passed as overrides of the table), every reference
quantity at the validation's ensemble size (4000 clusters, the files' seeds) must be
identical to what the old code computed: tests/data/ligand_exchange_legacy_8695f80.json
holds the exact values, tests/data/validate_8695f80.json the rows `nanokin validate --json`
printed then (rounded as displayed).
"""
import json
import re
from pathlib import Path

import pytest

import kinetics.ligand_exchange as le

DATA = Path(__file__).parent / "data"


@pytest.mark.slow
def test_reference_quantities_identical_to_8695f80():
    legacy = json.loads((DATA / "ligand_exchange_legacy_8695f80.json").read_text())
    fits = json.loads((DATA / "legacy_fits_8695f80.json").read_text())["values"]["ligand_exchange"]
    # the table's values (prior centres) are not the old ones: the old values are the overrides
    overrides = dict(legacy["rates"], **fits)
    assert overrides == legacy["rates"]          # the recorded fit is what the old rates held
    values = le.PARAMETERS.values(overrides, use_fit=False)
    assert values["cluster_conc_mM"] == 0.24     # the concentration the old files stated
    ids = list(le.REFERENCE)
    got = le.MODEL.observables_batch([values], ids, quick=False)[0]
    old_rows = [r for r in json.loads((DATA / "validate_8695f80.json").read_text())
                if r["model"] == "ligand_exchange"]
    assert len(old_rows) == len(ids)
    for i, old in zip(ids, old_rows):
        v = got[i][0] if isinstance(got[i], tuple) else got[i]
        # identical, seeded (the changed fraction is now counted instead of 1 - fraction:
        # same clusters, last-digit rounding only)
        assert v == pytest.approx(legacy["rows"][i]["value"], rel=1e-12, abs=1e-15), i
        assert old["quantity"] == legacy["rows"][i]["statement"]
        if isinstance(old["simulated"], float):                    # as printed then (6 digits)
            assert v == pytest.approx(old["simulated"], abs=5e-7), i
        else:                                                      # 'margin +90.1 %'
            m = float(re.search(r"margin ([+-][0-9.]+) %", old["deviation"]).group(1))
            assert 100 * v == pytest.approx(m, abs=0.05), i
        assert le.MODEL.observations()[ids.index(i)].passes(v) == old["pass"], i
