"""The small interface every nanokin model implements, and the model registry.

A model is an object with one way in (a validated :class:`sim.config.Experiment`)
and one way out (a :class:`sim.store.Result`):

``name``            registry name (``growth``, ``photodoping`` ...)
``config_class``    frozen dataclass describing the experiment file's sections
``run(experiment, progress=None) -> Result``
``plot(result, path)``               the main picture of a run (PNG)
``validate(quick=False, progress=None) -> list[Row]``   reference rows (optional)
``parameters``      its :class:`sim.params.ParameterTable` (every knob, declared)
``observables(values, ids, quick=False) -> {id: x}``  the simulated quantity of each
                    observation ``id`` (see :mod:`sim.reference`) for one complete
                    parameter set ``values``; ``x`` is a float or ``(float, text)``.
                    Stochastic models use fixed seeds here (common random numbers), so
                    the likelihood is a deterministic function of the parameters.
``observables_batch(values_list, ids, quick=False)``  the same for many parameter sets
                    (default: one after another; models override it with a compiled
                    batch kernel)
``checks(quick=False) -> list[Row]``  numerical self-checks (kind ``check``)
``fit_settings``    default sampler settings of ``nanokin fit`` for this model
``file_suffixes`` / ``load_file(path)``  other input formats ``nanokin run`` accepts
``exporters``       ``{format: function(experiment, out_path)}`` for ``nanokin export``
``summaries(experiments, quantities=None, values_list=None)``  the batched entry point used
                    by sweeps, suggest and design: one :class:`PointSummary` per experiment
                    (final scalar quantities with units; NaN plus a reason where a quantity
                    is undefined or the point failed). Never raises for one bad point.
``report_figures(quick=False)``  the figures a chemist would draw for the model's reference
                    experiments, measured beside simulated, for ``results/report.html``:
                    a list of :class:`sim.plotting.ReportFigure` (built with
                    :mod:`sim.plotting`, never pyplot)

Models are registered as entry points in the ``nanokin.models`` group (see
``pyproject.toml``) and imported only when asked for, so the command line starts
fast and ``sim`` does not import chemistry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import import_module
from importlib.metadata import entry_points

GROUP = "nanokin.models"

# Fallback used when the distribution metadata is not installed (running from a
# source tree); kept equal to pyproject.toml by tests/test_cli.py.
_BUILTIN = {
    "growth": "kinetics.growth:MODEL",
    "photodoping": "kinetics.photodoping:MODEL",
    "photocatalysis": "kinetics.photocatalysis:MODEL",
    "ligand_exchange": "kinetics.ligand_exchange:MODEL",
    "network": "kinetics.network:MODEL",
    "toy": "kinetics.toy:MODEL",
}

# The models whose reference experiments `nanokin validate` runs, in order.
VALIDATED = ("growth", "photodoping", "photocatalysis", "ligand_exchange")
# Validated only when asked for with --only (the SSA engine's rows run BioNetGen itself).
VALIDATED_ON_REQUEST = ("network",)


@dataclass
class PointSummary:
    """The final scalar results of one experiment in a batch (sweep point, candidate).

    ``values``: quantity -> float (NaN where undefined); ``units``: quantity -> unit;
    ``reasons``: quantity -> why it is NaN; ``failure``: why the whole point failed
    ('' when it ran). A failed point has every requested quantity NaN.
    """

    values: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)
    failure: str = ""

    @classmethod
    def failed(cls, reason: str, quantities=(), units=None) -> "PointSummary":
        q = list(quantities)
        return cls({k: math.nan for k in q}, dict(units or {}), {k: reason for k in q}, reason)

    @classmethod
    def from_result(cls, result, quantities=None) -> "PointSummary":
        """The scalar summary of a :class:`sim.store.Result` (NaN + reason for the
        quantities asked for that the result does not have or that are not finite)."""
        import numpy as np

        out = cls()
        for name, q in result.summary.items():
            if quantities is not None and name not in quantities:
                continue
            v = q.values
            if isinstance(v, (str, bytes)) or np.ndim(v) != 0:
                continue
            out.values[name] = float(v)
            out.units[name] = q.unit
            if not math.isfinite(out.values[name]):
                out.reasons[name] = (getattr(result, "reasons", {}) or {}).get(
                    name, "undefined for this run")
        for name in quantities or ():
            if name not in out.values:
                out.values[name] = math.nan
                out.reasons[name] = "not computed by this run"
        return out


class Model:
    """Base class with the optional parts of the interface left empty."""

    name: str = ""
    config_class: type = object
    file_suffixes: tuple[str, ...] = ()
    exporters: dict = {}
    parameters = None          # a sim.params.ParameterTable; None: the model has no knobs
    fit_settings: dict = {}    # e.g. {"walkers": 16, "steps": 300}
    #: True: the posterior draws behind predictive intervals use the model's quick path
    #: (e.g. smaller stochastic ensembles), so an interval also holds that extra sampling noise
    interval_quick: bool = False

    def run(self, experiment, progress=None):  # pragma: no cover - interface
        raise NotImplementedError

    def plot(self, result, path) -> None:
        return None

    # --- parameters
    def parameter_values(self, experiment) -> dict[str, float]:
        """The complete parameter set of a run: table <- fit <- the file's [parameters]."""
        if self.parameters is None:
            return {}
        return self.parameters.values(getattr(experiment, "parameters", None) or {})

    def stamp(self, result, values: dict[str, float]):
        """Record in ``result`` the parameter set it used and the fit behind it."""
        result.parameters = dict(values)
        if self.parameters is not None:
            result.fit = self.parameters.fit_provenance()
            result.parameter_info = {p.name: p for p in self.parameters}
        return result

    # --- reference data and calibration (see sim.reference and sim.fit)
    def observations(self) -> list:
        """The model's observations (``inputs/data/<model>_observations.toml``)."""
        from sim.reference import load_observations
        return load_observations(self.name)

    def observables(self, values: dict[str, float], ids, quick: bool = False) -> dict:
        raise NotImplementedError(f"model '{self.name}' has no reference observables")

    def observables_batch(self, values_list, ids, quick: bool = False) -> list[dict]:
        return [self.observables(v, ids, quick=quick) for v in values_list]

    def checks(self, quick: bool = False, progress=None) -> list:
        return []

    def validate(self, quick: bool = False, progress=None, draws: int = 0, seed: int = 0,
                 step=None) -> list:
        """Data rows (with ``draws`` posterior draws for the intervals) and checks.
        ``step(label)`` / ``step(None)``: stage start / end, for a progress display."""
        if self.parameters is None:
            if step:
                step("checks")
            rows = self.checks(quick=quick, progress=progress)
            if step:
                step(None)
            return rows
        from sim.fit import validate_model
        return validate_model(self, quick=quick, draws=draws, seed=seed, progress=progress,
                              step=step)

    def summaries(self, experiments, quantities=None, values_list=None) -> list:
        """One :class:`PointSummary` per experiment (see the module docstring).

        ``quantities``: the summary names wanted (None: all the run gives); a model's fast
        path computes only those. ``values_list``: one complete parameter set per
        experiment (posterior draws for predictive distributions); None: each
        experiment's own set (:meth:`parameter_values`). This default runs the
        experiments one after another; models override it with a compiled batch kernel.
        """
        from sim.config import ConfigError

        out = []
        for i, exp in enumerate(experiments):
            try:
                if values_list is not None:
                    exp = _with_values(exp, values_list[i])
                out.append(PointSummary.from_result(self.run(exp), quantities))
            except (ConfigError, ValueError, ArithmeticError, RuntimeError) as exc:
                out.append(PointSummary.failed(f"{type(exc).__name__}: {exc}",
                                               quantities or ()))
        return out

    def report_figures(self, quick: bool = False) -> list:
        """Figures for the validation report (see :class:`sim.plotting.ReportFigure`)."""
        return []

    def load_file(self, path):  # pragma: no cover - interface
        raise NotImplementedError


def _with_values(exp, values: dict):
    """``exp`` with its ``[parameters]`` replaced by the complete set ``values``."""
    import dataclasses

    return dataclasses.replace(exp, parameters=dict(values))


def _table() -> dict[str, str]:
    table = dict(_BUILTIN)
    try:
        for ep in entry_points(group=GROUP):
            table[ep.name] = ep.value
    except Exception:  # metadata unreadable: the built-in table still works
        pass
    return table


#: registered for the test suite, never listed to users
HIDDEN = ("toy",)


def available_models(include_hidden: bool = False) -> list[str]:
    """Registered model names (without the internal test models unless asked)."""
    return sorted(n for n in _table() if include_hidden or n not in HIDDEN)


@lru_cache(maxsize=None)
def get_model(name: str) -> Model:
    """The model object registered as ``name``; ``KeyError`` if there is none."""
    table = _table()
    if name not in table:
        raise KeyError(name)
    module_name, _, attr = table[name].partition(":")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise KeyError(name) from None
        raise
    return getattr(module, attr or "MODEL")


def model_for_suffix(suffix: str) -> Model | None:
    """The model that reads input files ending in ``suffix`` (e.g. ``.net``), if any."""
    for name in available_models(include_hidden=True):
        try:
            m = get_model(name)
        except KeyError:
            continue
        if suffix in getattr(m, "file_suffixes", ()):
            return m
    return None
