"""ODE mode: the compiled right-hand side and Jacobian against plain NumPy, and the
integrated observables against BioNetGen's own ODE integration (run_network, CVODE)
within a relative 1e-4 on the three smaller standard networks."""
import numpy as np
import pytest

from sim.network import from_reactions, read_net
from sim.ode import _jac, _rhs, _sparsity, integrate, rhs_reference
from sim.paths import benchmark_models_dir

MODELS = benchmark_models_dir()
TOY = from_reactions(["A", "B", "C"], [30, 5, 0],
                     [(("A", "B"), ("C",), 0.01), (("C",), ("A", "B"), 0.5),
                      (("A", "A"), ("B",), 0.002), ((), ("A",), 2.0), (("C",), (), 0.05)],
                     observables={"C": ["C"]})


def test_rhs_and_jacobian_match_numpy():
    import scipy.sparse as sp
    c = TOY.compile()
    x = np.array([7.0, 3.0, 2.0])
    dx, v = np.empty(3), np.empty(c.n_reactions)
    _rhs(x, c.rates, c.rct_ptr, c.rct_sp, c.rct_mult, c.chg_ptr, c.chg_sp, c.chg_val, v, dx)
    np.testing.assert_allclose(dx, rhs_reference(TOY, x), rtol=1e-14)
    slot, indptr, indices = _sparsity(c)
    data = np.zeros(indices.size)
    _jac(x, c.rates, c.rct_ptr, c.rct_sp, c.rct_mult, c.chg_ptr, c.chg_val, slot, data)
    jac = sp.csc_matrix((data, indices, indptr), shape=(3, 3)).toarray()
    h = 1e-6
    num = np.column_stack([(rhs_reference(TOY, x + h * e) - rhs_reference(TOY, x - h * e))
                           / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(jac, num, rtol=1e-7, atol=1e-9)


def test_first_order_decay_exact():
    net = from_reactions(["A"], [1000], [(("A",), (), 0.3)], observables={"A": ["A"]})
    t = np.linspace(0, 10, 11)
    sol = integrate(net.compile(), t, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(sol.observables[:, 0], 1000 * np.exp(-0.3 * t), rtol=1e-7)


@pytest.mark.external
@pytest.mark.parametrize("name,t_end", [("multistate", 10.0), ("multisite2", 10.0),
                                        ("egfr_net", 10.0)])
def test_agrees_with_bionetgen_ode(tmp_path, name, t_end):
    from sim.bionetgen import tools_available
    from sim.network import run_network_ode
    if not tools_available() or not (MODELS / f"{name}.net").exists():
        pytest.skip("BioNetGen or the benchmark models are not available")
    header, ref, _ = run_network_ode(MODELS / f"{name}.net", t_end, 50, rtol=1e-10,
                                     atol=1e-10, workdir=tmp_path)
    net = read_net(MODELS / f"{name}.net")
    assert header[1:] == net.observables
    sol = integrate(net.compile(), ref[:, 0], rtol=1e-10, atol=1e-10)
    want = ref[:, 1:]
    # relative error; values below 1e-6 of an observable's largest value (the first
    # instants of a species that starts at zero) are compared on that 1e-6 scale
    floor = 1e-6 * np.abs(want).max(axis=0)
    rel = np.abs(sol.observables - want) / np.maximum(np.abs(want), floor)
    assert rel.max() <= 1e-4, rel.max()
