"""Config validation: every bad input gives a ConfigError naming file, key, value and what
is allowed, before any work; random and malformed configs never produce a traceback."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, Invalid, build, describe_schema, parse_experiment, section, spec
from sim.model import get_model


@dataclass(frozen=True)
class Cond:
    temperature_C: float = spec(110.0, unit="°C", ge=-273.15, doc="temperature")
    water_vol_percent: float = spec(0.25, unit="vol%", ge=0.0, le=100.0)
    amount_mmol: float = spec(1.2, unit="mmol", ge=0.0)
    modulator: str = spec("benzoic", choices=("benzoic", "acetic"))
    times_h: tuple[float, ...] = spec([1.0, 2.0], unit="h", ge=0.0, min_len=1)
    n: int = spec(3, ge=1)
    flag: bool = spec(False)


@dataclass(frozen=True)
class Root:
    conditions: Cond = section(Cond)
    ratio: float = spec(0.5, ge=0.0, le=1.0)

    def check(self):
        if self.conditions.amount_mmol == 0 and self.ratio > 0:
            raise Invalid("ratio", self.ratio, "0 when conditions.amount_mmol is 0",
                          "impossible ratio")


def lookup(name):
    if name == "demo":
        class M:
            config_class = Root
        return M
    raise KeyError(name)


def parse(text):
    return parse_experiment(text, file="exp.toml", model_lookup=lookup)


def test_defaults_and_types():
    e = parse('model = "demo"\n[conditions]\ntemperature_C = 80\n')
    assert e.config.conditions.temperature_C == 80.0
    assert isinstance(e.config.conditions.temperature_C, float)
    assert e.config.conditions.times_h == (1.0, 2.0)
    assert e.name == "exp" and e.seed == 0


@pytest.mark.parametrize("text,key,problem", [
    ('model = "demo"\n[conditions]\ntemprature_C = 80\n', "conditions.temprature_C", "unknown key"),
    ('model = "demo"\n[conditions]\ntemperature_C = -300\n', "conditions.temperature_C", "out of range"),
    ('model = "demo"\n[conditions]\nwater_vol_percent = 120\n', "conditions.water_vol_percent", "out of range"),
    ('model = "demo"\n[conditions]\namount_mmol = -1\n', "conditions.amount_mmol", "out of range"),
    ('model = "demo"\n[conditions]\ntemperature_C = "hot"\n', "conditions.temperature_C", "wrong type"),
    ('model = "demo"\n[conditions]\nmodulator = "citric"\n', "conditions.modulator", "not a known choice"),
    ('model = "demo"\n[conditions]\ntimes_h = []\n', "conditions.times_h", "wrong number of items"),
    ('model = "demo"\n[conditions]\ntimes_h = [1, -2]\n', "conditions.times_h[1]", "out of range"),
    ('model = "demo"\n[conditions]\nn = 2.5\n', "conditions.n", "wrong type"),
    ('model = "demo"\n[conditions]\nflag = 1\n', "conditions.flag", "wrong type"),
    ('model = "demo"\nratio = 0.3\n[conditions]\namount_mmol = 0\n', "ratio", "impossible ratio"),
    ('model = "demo"\nconditions = 5\n', "conditions", "wrong type"),
    ('model = "nothing"\n', "model", "unknown model"),
    ('seed = 1\n', "model", "required key missing"),
    ('model = "demo"\nseed = -1\n', "seed", "invalid seed"),
])
def test_errors_name_file_key_value_allowed(text, key, problem):
    with pytest.raises(ConfigError) as info:
        parse(text)
    err = info.value
    assert err.file == "exp.toml"
    assert err.key == key
    assert problem in str(err)
    assert "allowed:" in str(err) and err.allowed


def test_malformed_toml():
    with pytest.raises(ConfigError, match="malformed TOML"):
        parse('model = "demo"\n[conditions\n')


def test_required_key():
    @dataclass(frozen=True)
    class Req:
        x_nm: float = spec(unit="nm", gt=0)

    with pytest.raises(ConfigError, match="required key missing") as info:
        build(Req, {}, file="f.toml")
    assert info.value.key == "x_nm"
    assert build(Req, {"x_nm": 2}).x_nm == 2.0


def test_schema_description_lists_units():
    rows = {r[0]: r for r in describe_schema(Root)}
    assert "°C" in rows["conditions.temperature_C"][1]
    assert rows["conditions.modulator"][2] == "'benzoic'"


toml_scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                         st.text(max_size=8), st.booleans(),
                         st.lists(st.floats(-5, 5), max_size=3))
keys = st.sampled_from(["temperature_C", "water_vol_percent", "amount_mmol", "modulator",
                        "times_h", "n", "flag", "bogus", "temp"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, toml_scalars, max_size=5), st.one_of(st.none(), toml_scalars))
def test_random_configs_error_cleanly_or_build(cond, ratio):
    data = {"conditions": cond}
    if ratio is not None:
        data["ratio"] = ratio
    try:
        cfg = build(Root, data, file="random.toml")
    except ConfigError as exc:
        assert exc.file == "random.toml" and exc.key and exc.allowed
        return
    c = cfg.conditions
    assert c.temperature_C >= -273.15 and 0 <= c.water_vol_percent <= 100 and c.amount_mmol >= 0
    assert c.modulator in ("benzoic", "acetic") and 0 <= cfg.ratio <= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 50_000), st.one_of(st.floats(-1, 10), st.just(float("nan"))), st.floats(-5, 100),
       st.integers(-3, 50), st.integers(-2, 40))
def test_random_toy_runs_or_errors(n, k, t_end, n_times, n_streams):
    """End to end on a real model: either a ConfigError or a valid run, never a traceback."""
    model = get_model("toy")
    text = (f'model = "toy"\n[conditions]\nn_molecules = {n}\nrate_constant_per_s = {k!r}\n'
            f't_end_s = {t_end!r}\nn_times = {n_times}\n[solver]\nn_streams = {n_streams}\n')
    try:
        exp = parse_experiment(text, file="toy.toml")
    except ConfigError as exc:
        assert exc.key
        return
    res = model.run(exp)
    assert res["A"][0] == n and (res["A"] >= 0).all()


# ----------------------------------------------------------------------------- edge cases

def test_deeply_nested_arrays_are_a_config_error():
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ConfigError, match="nested") as info:
        parse(f'model = "demo"\nx = {deep}\n')
    assert info.value.file == "exp.toml"
    moderately = "[" * 40 + "]" * 40       # readable by TOML, refused by the depth check
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse(f'model = "demo"\nx = {moderately}\n')


@pytest.mark.parametrize("name", ["a\\u0000b", "../../x", "/abs/dir/evil", ".hidden", "-x",
                                  "sp ace", "é", "x" * 101, "a/b", "a\\\\b", ""])
def test_unsafe_names_are_refused(name):
    with pytest.raises(ConfigError) as info:
        parse(f'model = "demo"\nname = "{name}"\n')
    assert info.value.key == "name" and "letters, digits" in info.value.allowed


def test_default_name_from_file_is_made_safe():
    e = parse_experiment('model = "demo"\n', file="/tmp/my run (2).toml", model_lookup=lookup)
    assert e.name == "my_run__2_"


@pytest.mark.parametrize("key", ["description", "conditions.modulator"])
def test_control_characters_in_text_are_refused(key):
    section_, _, k = key.rpartition(".")
    text = 'model = "demo"\n' + (f"[{section_}]\n" if section_ else "") + f'{k} = "a\\u001b[31mb"\n'
    with pytest.raises(ConfigError, match="control character U\\+001B") as info:
        parse(text)
    assert info.value.key == key
    assert "\x1b" not in str(info.value)     # never printed raw


@pytest.mark.parametrize("seed", [2**63, 2**70, -1, -(2**70), True, 1.5, "3"])
def test_seeds_outside_int64_are_refused(seed):
    value = str(seed).lower() if not isinstance(seed, str) else f'"{seed}"'
    with pytest.raises(ConfigError, match="invalid seed") as info:
        parse(f'model = "demo"\nseed = {value}\n')
    assert "2**63 - 1" in info.value.allowed


def test_largest_seed_is_accepted():
    assert parse(f'model = "demo"\nseed = {2**63 - 1}\n').seed == 2**63 - 1


@pytest.mark.parametrize("key,value", [("amount_mmol", "1e300"), ("amount_mmol", "1.0000001e12"),
                                       ("times_h", "[1.0, 1e13]"), ("n", str(2**70)),
                                       ("n", "9223372036854775807")])
def test_default_upper_limit_on_numbers(key, value):
    with pytest.raises(ConfigError, match="out of range") as info:
        parse(f'model = "demo"\n[conditions]\n{key} = {value}\n')
    assert "<= 1e+12" in info.value.allowed


def test_default_limits_yield_to_the_spec_and_show_in_the_schema():
    @dataclass(frozen=True)
    class Big:
        count: float = spec(1.0, unit="molecules", ge=0.0, le=math.inf)
        rate_per_s: float = spec(1.0, unit="s^-1", gt=0.0)
        shift_V: float = spec(0.0, unit="V")

    assert build(Big, {"count": 1e30}).count == 1e30
    with pytest.raises(ConfigError, match="out of range"):
        build(Big, {"shift_V": -1e13})
    rows = {r[0]: r[1] for r in describe_schema(Big)}
    assert rows["rate_per_s"] == "a number > 0 and <= 1e+12 (unit: s^-1)"
    assert rows["count"] == "a number >= 0 (unit: molecules)"
    assert ">= -1e+12 and <= 1e+12" in rows["shift_V"]


def test_too_long_list_is_refused():
    with pytest.raises(ConfigError, match="wrong number of items"):
        build(Cond, {"times_h": [1.0] * 100_001})


def test_files_that_are_not_experiment_files(tmp_path):
    from sim.config import load_experiment

    cases = {"directory": tmp_path / "dir.toml", "empty file": tmp_path / "empty.toml",
             "not UTF-8 text": tmp_path / "bin.toml", "not a regular file": "/dev/null",
             "file not found": tmp_path / "missing.toml"}
    cases["directory"].mkdir()
    cases["empty file"].write_bytes(b"")
    cases["not UTF-8 text"].write_bytes(b'model = "toy"\nname = "\xff\xfe"\n')
    for problem, path in cases.items():
        with pytest.raises(ConfigError) as info:
            load_experiment(path)
        assert problem in str(info.value) and str(path) in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_experiment(cases["not UTF-8 text"])
    assert info.value.key == "line 2" and "offset 22" in str(info.value.value)


def test_config_error_pickles():
    import pickle

    err = ConfigError("f.toml", "a.b", 3.0, "a number", "out of range")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.key == "a.b"


def test_every_parameter_of_every_model_declares_its_range():
    """Bounds are the physical range an override may take (a rate >= 0, a pKa on the pKa
    scale ...), declared for fixed parameters too, so a wrong sign is refused at load."""
    from sim.model import available_models
    for name in available_models(include_hidden=True):
        table = get_model(name).parameters
        for p in table or []:
            assert math.isfinite(p.bounds[0]) and math.isfinite(p.bounds[1]), (name, p.name)
            assert p.bounds[0] <= p.value <= p.bounds[1]


def test_a_negative_rate_constant_override_is_refused_naming_its_range():
    text = 'model = "photocatalysis"\n[parameters]\nk_et_per_s = {}\n'
    assert parse_experiment(text.format("1e9"), file="p.toml").parameters == {"k_et_per_s": 1e9}
    with pytest.raises(ConfigError, match="out of range") as info:
        parse_experiment(text.format("-2e8"), file="p.toml")
    assert info.value.key == "parameters.k_et_per_s" and ">= 0" in info.value.allowed
    assert "s^-1" in info.value.allowed


def test_parameter_overrides_without_bounds_get_the_default_limit():
    from sim.params import Parameter, ParameterTable
    table = ParameterTable("t", [Parameter("k", 1.0, "1/s", "fixed", "assumed: a test")])
    assert table.check_overrides({"k": 1e9}) == {"k": 1e9}
    with pytest.raises(ConfigError, match="out of range") as info:
        table.check_overrides({"k": 1e300}, file="p.toml")
    assert info.value.key == "parameters.k" and "<= 1e+12" in info.value.allowed


def test_relative_file_paths_are_read_from_the_experiment_files_folder(tmp_path, monkeypatch):
    """A key declared as a path is resolved against the file's folder, not the cwd."""
    from dataclasses import dataclass

    from sim.config import build, spec

    @dataclass(frozen=True)
    class C:
        f: str = spec("", path=True)

    (tmp_path / "sub").mkdir()
    exp = tmp_path / "sub" / "e.toml"
    exp.write_text("")
    monkeypatch.chdir("/")
    assert build(C, {"f": "../data.csv"}, file=exp).f == str(tmp_path / "data.csv")
    assert build(C, {"f": "/abs/x.csv"}, file=exp).f == "/abs/x.csv"
    assert build(C, {"f": ""}, file=exp).f == ""
