"""Network input formats: SBML (python-libsbml) and BNGL (BNG2.pl) give the same
network, hence the same trajectories, as the BioNetGen .net file; other kinetic laws
and missing tools are refused with clear messages."""
import numpy as np
import pytest

from sim.config import ConfigError
from sim.network import read_net
from sim.paths import benchmark_models_dir

MODELS = benchmark_models_dir()
libsbml = pytest.importorskip("libsbml")


def _bionetgen():
    from sim.bionetgen import tools_available
    if not tools_available() or not (MODELS / "multistate.net").exists():
        pytest.skip("BioNetGen (bionetgen package + perl) or the benchmark models absent")


@pytest.fixture(scope="module")
def multistate_sbml(tmp_path_factory):
    _bionetgen()
    from sim.bionetgen import run_bng2
    wd = tmp_path_factory.mktemp("sbml")
    run_bng2(f'readFile({{file=>"{MODELS / "multistate.net"}"}})\nwriteSBML()\n', workdir=wd,
             name="multistate")
    return wd / "multistate_sbml.xml"


@pytest.mark.external
def test_sbml_from_bionetgen_is_the_same_network(multistate_sbml):
    from sim.sbml import read_sbml
    from sim.ssa import simulate
    a, b = read_sbml(multistate_sbml), read_net(MODELS / "multistate.net")
    assert a.reactants == b.reactants and a.products == b.products
    np.testing.assert_array_equal(a.initial, b.initial)
    np.testing.assert_allclose(a.rate_constants, b.rate_constants, rtol=1e-15)
    assert a.observables == b.observables
    np.testing.assert_array_equal(a.observable_matrix(), b.observable_matrix())
    # hence the same event statistics: identical trajectories for the same seed
    t = np.linspace(0, 20, 5)
    ra = simulate(a.compile(), t, 4, seed=3, method="rssa")
    rb = simulate(b.compile(), t, 4, seed=3, method="rssa")
    np.testing.assert_array_equal(ra.values, rb.values)


@pytest.mark.external
def test_bngl_is_expanded_by_bng2(tmp_path):
    _bionetgen()
    from kinetics.network import read_network
    net = read_network(MODELS / "multistate.bngl")
    ref = read_net(MODELS / "multistate.net")
    assert (net.n_species, net.n_reactions) == (ref.n_species, ref.n_reactions)
    np.testing.assert_allclose(np.sort(net.rate_constants), np.sort(ref.rate_constants))


def test_bngl_without_bionetgen_says_how_to_install(monkeypatch, tmp_path):
    import sim.bionetgen as bng
    from kinetics.network import read_network

    def missing():
        raise bng.ToolMissing("perl is not installed (BNG2.pl is a Perl program)")

    monkeypatch.setattr(bng, "find_tools", missing)
    model = tmp_path / "m.bngl"
    model.write_text("begin model\nend model\n")
    with pytest.raises(ConfigError, match="pip install bionetgen") as info:
        read_network(model)
    assert "perl" in str(info.value)


def _sbml_with_law(tmp_path, formula):
    doc = libsbml.SBMLDocument(3, 1)
    m = doc.createModel()
    c = m.createCompartment()
    c.setId("cell"), c.setSize(1.0), c.setConstant(True)
    for sid, amount in (("A", 100.0), ("B", 0.0)):
        s = m.createSpecies()
        s.setId(sid), s.setCompartment("cell"), s.setInitialAmount(amount)
        s.setHasOnlySubstanceUnits(True), s.setBoundaryCondition(False), s.setConstant(False)
    for pid, v in (("k", 0.5), ("Km", 10.0)):
        p = m.createParameter()
        p.setId(pid), p.setValue(v), p.setConstant(True)
    r = m.createReaction()
    r.setId("conv"), r.setReversible(False), r.setFast(False)
    ref = r.createReactant()
    ref.setSpecies("A"), ref.setStoichiometry(2), ref.setConstant(True)
    ref = r.createProduct()
    ref.setSpecies("B"), ref.setStoichiometry(1), ref.setConstant(True)
    kl = r.createKineticLaw()
    kl.setMath(libsbml.parseL3Formula(formula))
    path = tmp_path / "m.xml"
    libsbml.writeSBMLToFile(doc, str(path))
    return path


def test_sbml_mass_action_read_and_other_laws_refused_naming_the_reaction(tmp_path):
    from sim.sbml import read_sbml
    net = read_sbml(_sbml_with_law(tmp_path, "0.5 * k * A^2"))
    assert net.reactants == [(0, 0)] and net.products == [(1,)]
    assert net.rate_constants[0] == pytest.approx(0.25)
    for law in ("k * A / (Km + A)", "k * A", "k * A * A - k * B", "k * A * A * B"):
        with pytest.raises(ConfigError, match="conv") as info:
            read_sbml(_sbml_with_law(tmp_path, law))
        assert "mass action" in info.value.allowed


def _same_network(a, b, rtol=1e-12):
    # the order of reactants inside one reaction is not significant
    assert [sorted(r) for r in a.reactants] == [sorted(r) for r in b.reactants]
    assert [sorted(p) for p in a.products] == [sorted(p) for p in b.products]
    np.testing.assert_array_equal(a.initial, b.initial)
    np.testing.assert_allclose(a.rate_constants, b.rate_constants, rtol=rtol)
    assert a.observables == b.observables
    np.testing.assert_array_equal(a.observable_matrix(), b.observable_matrix())


@pytest.mark.external
@pytest.mark.parametrize("name", ["multistate", "multisite2"])
def test_export_round_trips_through_bionetgen(tmp_path, name):
    _bionetgen()
    import subprocess
    import sys
    from pathlib import Path

    from sim.bionetgen import generate_network
    from sim.sbml import read_sbml
    ref = read_net(MODELS / f"{name}.net")
    root = Path(__file__).resolve().parent.parent
    for fmt in ("bngl", "sbml"):
        out = tmp_path / f"{name}.{fmt}"
        proc = subprocess.run([sys.executable, "-m", "sim.cli", "export", fmt,
                               str(MODELS / f"{name}.net"), "-o", str(out)], cwd=root,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    # BNGL: BNG2.pl expands the exported rules back into the same network
    _same_network(read_net(generate_network(tmp_path / f"{name}.bngl", workdir=tmp_path / "g")),
                  ref)
    # SBML: read back as the same network
    _same_network(read_sbml(tmp_path / f"{name}.sbml"), ref, rtol=0)
