"""BioNetGen .net reader: sizes, conventions, observables and clear refusals."""
from pathlib import Path

import numpy as np
import pytest

from sim.paths import benchmark_models_dir
from sim.network import NetworkError, from_reactions, parse_net, propensity_reference, read_net

MODELS = benchmark_models_dir()
HERE = Path(__file__).parent

MINI = """# test network
begin parameters
    1 k1   2.0
    2 k2   k1*0.5^2   # expression over an earlier parameter
    3 n0   100
end parameters
begin species
    1 A(a)  n0
    2 B()   7
    3 $S()  10
end species
begin reactions
    1 1,1 2 0.5*k1
    2 2 1,1 k2 #_reverse
    3 3 1 k1
    4 0 2 3
    5 2 0 1e-3
end reactions
begin groups
    1 Atot  1,2*2
    2 Bobs  2
end groups
"""


def test_parse_minimal_network():
    net = parse_net(MINI)
    assert net.species == ["A(a)", "B()", "S()"]
    assert list(net.initial) == [100, 7, 10]
    assert list(net.fixed) == [False, False, True]
    assert net.reactants == [(0, 0), (1,), (2,), (), (1,)]
    assert net.products == [(1,), (0, 0), (0,), (1,), ()]
    np.testing.assert_allclose(net.rate_constants, [1.0, 0.5, 2.0, 3.0, 1e-3])
    assert net.observables == ["Atot", "Bobs"]
    np.testing.assert_allclose(net.observable_matrix(), [[1, 2, 0], [0, 1, 0]])


def test_propensity_convention_and_compiled_arrays():
    net = parse_net(MINI)
    x = np.array([5, 3, 10])
    # 2A -> B: c x(x-1) with c = 0.5*k1 (BioNetGen puts the 1/2 into the rate)
    np.testing.assert_allclose(propensity_reference(net, x), [1.0 * 5 * 4, 0.5 * 3, 20.0, 3.0, 3e-3])
    c = net.compile()
    # reaction 0 changes A by -2 and B by +1; the fixed species S never changes
    assert list(c.chg_sp[c.chg_ptr[0]:c.chg_ptr[1]]) == [0, 1]
    assert list(c.chg_val[c.chg_ptr[0]:c.chg_ptr[1]]) == [-2, 1]
    assert list(c.chg_sp[c.chg_ptr[2]:c.chg_ptr[3]]) == [0]
    assert list(c.rct_mult[c.rct_ptr[0]:c.rct_ptr[1]]) == [2]
    # reactions depending on A or B are updated after reaction 0, not reaction 2's S
    assert list(c.dep_rx[c.dep_ptr[0]:c.dep_ptr[1]]) == [0, 1, 4]
    assert list(c.sdep_rx[c.sdep_ptr[2]:c.sdep_ptr[3]]) == [2]


@pytest.mark.parametrize("name,ns,nr,ngroups", [("multistate", 9, 18, 4), ("multisite2", 66, 288, 3),
                                               ("egfr_net", 356, 3749, 13)])
def test_benchmark_models_read(name, ns, nr, ngroups):
    path = MODELS / f"{name}.net"
    if not path.exists():
        pytest.skip("benchmark models not present")
    net = read_net(path)
    assert (net.n_species, net.n_reactions, len(net.observables)) == (ns, nr, ngroups)
    assert np.all(net.rate_constants > 0)


def test_egfr_statistical_factors():
    path = MODELS / "egfr_net.net"
    if not path.exists():
        pytest.skip("benchmark models not present")
    net = read_net(path)
    kp2, kp3 = net.parameters["kp2"], net.parameters["kp3"]
    # line "5 7,7 8 0.5*kp2" and "7 8 9 2*kp3"
    assert net.reactants[4] == (6, 6) and net.rate_constants[4] == pytest.approx(0.5 * kp2)
    assert net.rate_constants[6] == pytest.approx(2 * kp3)


@pytest.mark.parametrize("bad,needle", [
    ("    1 1 2 Sat(k1,k2)\n", "Sat"),
    ("    1 1 2 MM(k1,k2)\n", "MM"),
    ("    1 1 2 fn_rate\n", "fn_rate"),
    ("    1 9 2 k1\n", "unknown species"),
    ("    1 1 2 -k1\n", ">= 0"),
])
def test_unsupported_reactions_are_refused(bad, needle):
    text = MINI.split("begin reactions")[0] + "begin reactions\n" + bad + "end reactions\n"
    with pytest.raises(NetworkError, match=needle):
        parse_net(text, file="bad.net")


def test_functions_block_refused_and_missing_file():
    text = MINI + "begin functions\n 1 f() k1\nend functions\n"
    with pytest.raises(NetworkError, match="functions"):
        parse_net(text)
    with pytest.raises(NetworkError, match="not found"):
        read_net(HERE / "no_such.net")
    with pytest.raises(NetworkError, match="not a BioNetGen"):
        parse_net("begin parameters\n 1 k 1\nend parameters\n")


def test_from_reactions_matches_parser():
    net = from_reactions(["A", "B"], [4, 0], [(("A", "A"), ("B",), 0.5), (("B",), (), 0.1)],
                         observables={"B": ["B"]})
    assert net.reactants == [(0, 0), (1,)]
    np.testing.assert_allclose(propensity_reference(net, np.array([4, 2])), [0.5 * 12, 0.2])


def _with_species(block):
    return MINI.replace("    1 A(a)  n0\n", block)


def _with_rate(rate):
    return MINI.replace("    3 3 1 k1\n", f"    3 3 1 {rate}\n")


@pytest.mark.parametrize("text,needle,line", [
    (_with_species("    x A(a)  n0\n"), "not an integer", 8),
    (_with_species("    1 A(a)  1e300\n"), "outside", 8),
    (_with_species("    1 A(a)  9.2e18\n"), "outside", 8),
    (_with_species("    1 A(a)  -3\n"), "outside", 8),
    (_with_rate("k1/0"), "division by zero", 15),
    (_with_rate("10^400"), "overflow", 15),
    (_with_rate("exp(1000)"), "overflow", 15),
    (_with_rate("(-2)^0.5"), "complex", 15),
    (_with_rate("min()"), "of nothing", 15),
    (_with_rate("log(0)"), "log", 15),
    (_with_rate("(" * 400 + "1" + ")" * 400), "nested", 15),
    (_with_rate("+".join(["k1"] * 6000)), "longer", 15),
    (MINI.replace("1 Atot  1,2*2", "1 Atot  1,-2*2"), "weight", 20),
    (MINI.replace("1 Atot  1,2*2", "1 Atot  1,nan*2"), "weight", 20),
    (MINI.replace("2 k2   k1*0.5^2", "2 k2   k1/(k1-k1)"), "division by zero", 4),
])
def test_invalid_entries_name_file_line_and_rule(text, needle, line):
    from sim.config import ConfigError
    with pytest.raises(ConfigError, match=needle) as info:
        parse_net(text, file="bad.net")
    err = info.value
    assert err.file == "bad.net" and err.key == f"line {line}" and err.allowed


def test_empty_file_and_directory_refused(tmp_path):
    from sim.config import ConfigError
    empty = tmp_path / "empty.net"
    empty.write_text("")
    with pytest.raises(ConfigError, match="empty"):
        read_net(empty)
    with pytest.raises(ConfigError, match="directory"):
        read_net(tmp_path)
