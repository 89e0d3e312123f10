"""Chemist-facing quantities of a simulated population, and the reference observables.

:func:`observe` turns the kernel output into composition labels (Au24Pt(PET)a(TBBT)b(PDT)c
...), masses, bridged / dangling counts and soluble / cross-linked fractions.

The reference observables are the simulated quantities behind
``inputs/data/ligand_exchange_observations.toml`` (one entry of :data:`REFERENCE` per
observation id).  :func:`reference_values` computes them for many parameter sets at once:
every reference experiment runs with its file's seed (common random numbers, so the
likelihood is a deterministic function of the parameters) through
:func:`kinetics.ligand_exchange.system.simulate_many`, only as far in time as the requested
ids need.  With ``quick`` the ensembles are smaller (:data:`QUICK_ENSEMBLES`): times up to a
split are taken from a larger ensemble that is cheap to run that far, later times from a
small one (the cost per cluster grows linearly with simulated time, ~50-90 events per
cluster and minute once dithiol ends bind and let go).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from structures.ligands import DITHIOLS, MONOTHIOLS, formula_mass

from .kernel import N_SITES
from .system import System, _label, simulate_many

NAME = "ligand_exchange"


# ============================================================================ compositions

def composition_labels(sysm: System, counts_t: np.ndarray) -> np.ndarray:
    """Label of every cluster at one time, e.g. 'PET2TBBT10PDT3', dangling 'PDTH1',
    cross-linked ends 'PDTx1'."""
    n_mono, n_di = sysm.n_mono, sysm.n_di
    order = [m for m in MONOTHIOLS if m in sysm.mono]
    uniq, inv = np.unique(counts_t, axis=0, return_inverse=True)
    names = []
    for row in uniq:
        parts = [f"{m}{row[sysm.mono.index(m)]}" for m in order if row[sysm.mono.index(m)]]
        for d, name in enumerate(sysm.di):
            lab = _label(name)
            nb = row[n_mono + n_di + d] // 2
            if nb:
                parts.append(f"{lab}{nb}")
        for d, name in enumerate(sysm.di):
            if row[n_mono + d]:
                parts.append(f"{_label(name)}H{row[n_mono + d]}")
            if row[n_mono + 2 * n_di + d]:
                parts.append(f"{_label(name)}x{row[n_mono + 2 * n_di + d]}")
        names.append("".join(parts))
    return np.asarray(names, dtype=object)[np.asarray(inv).ravel()]


def unit_masses(sysm: System) -> np.ndarray:
    """Mass (g/mol) contributed per site by each code (bridged: half a dithiolate)."""
    m = np.zeros(sysm.n_mono + 3 * sysm.n_di)
    for k, name in enumerate(sysm.mono):
        m[k] = formula_mass(MONOTHIOLS[name].thiolate)
    for d, name in enumerate(sysm.di):
        dt = DITHIOLS[name]
        m[sysm.n_mono + d] = formula_mass(dt.dangling)
        m[sysm.n_mono + sysm.n_di + d] = 0.5 * formula_mass(dt.dithiolate)
        m[sysm.n_mono + 2 * sysm.n_di + d] = formula_mass(dt.dithiolate)
    return m


def metal_mass(centre: str) -> float:
    return formula_mass(f"Au24{centre}") if centre != "Au" else formula_mass("Au25")


def fractions(labels: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """Fraction of all clusters carrying each label (mask: count only these clusters)."""
    n = len(labels)
    sel = labels if mask is None else labels[mask]
    u, k = np.unique(sel.astype(str), return_counts=True)
    return {str(a): float(b) / n for a, b in zip(u, k)}


def observe(sysm: System, times_s, counts, links, centre="Pt", charge=1):
    """Chemist-facing observables from the kernel output."""
    n_t, n, _ = counts.shape
    n_mono, n_di = sysm.n_mono, sysm.n_di
    per_time = []
    masses = unit_masses(sysm)
    m0 = metal_mass(centre)
    for j in range(n_t):
        labels = composition_labels(sysm, counts[j])
        soluble = links[j] == 0
        mass = m0 + counts[j] @ masses
        per_time.append(dict(labels=labels, soluble=soluble, mass=mass))
    mean_counts = counts.mean(axis=1)
    sem_counts = counts.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(mean_counts)
    bridged = counts[:, :, n_mono + n_di:n_mono + 2 * n_di].sum(axis=2) // 2
    dangling = counts[:, :, n_mono:n_mono + n_di].sum(axis=2)
    return dict(per_time=per_time, mean_counts=mean_counts, sem_counts=sem_counts,
                bridged=bridged, dangling=dangling,
                crosslinked_fraction=(links > 0).mean(axis=1),
                bridged_soluble_fraction=((bridged > 0) & (links == 0)).mean(axis=1))


# ============================================================================ snapshots

class Snapshot:
    """Compositions of one simulated experiment at its output times.

    Per output time: the code counts (N_j, codes) and links (N_j,) of the ensemble that
    provides that time (one ensemble, or with ``quick`` a larger one for early times and a
    smaller one for late times); composition labels are made when first asked for."""

    def __init__(self, times_min, counts: list, links: list, system: System, events: int):
        self.times_min = np.asarray(times_min, float)
        self.counts = counts
        self.links = links
        self.system = system
        self.events = int(events)
        self._labels: dict[int, np.ndarray] = {}

    def index(self, t_min: float) -> int:
        k = int(np.argmin(np.abs(self.times_min - t_min)))
        if abs(self.times_min[k] - t_min) > 1e-6:
            raise KeyError(f"time {t_min} min is not an output time of this experiment")
        return k

    def labels_at(self, k: int) -> np.ndarray:
        if k not in self._labels:
            self._labels[k] = composition_labels(self.system, self.counts[k])
        return self._labels[k]

    @property
    def labels(self) -> list:
        return [self.labels_at(k) for k in range(len(self.times_min))]

    def fractions(self, t_min: float) -> dict[str, float]:
        return fractions(self.labels_at(self.index(t_min)))

    def fraction(self, t_min: float, label: str) -> float:
        return self.fractions(t_min).get(label, 0.0)

    def leading(self, t_min: float, exclude=()) -> tuple[str, float]:
        fr = {k: v for k, v in self.fractions(t_min).items() if k not in exclude}
        k = max(fr, key=fr.get)
        return k, fr[k]

    def mean_code(self, t_min: float, code_name: str) -> float:
        names = self.system.code_names()
        return float(self.counts[self.index(t_min)][:, names.index(code_name)].mean())

    def dithiol_units(self, t_min: float) -> np.ndarray:
        """Dithiol-derived ligands (any state) per cluster."""
        n0 = self.system.n_mono
        return self.counts[self.index(t_min)][:, n0:].sum(axis=1)

    def n_clusters(self, t_min: float) -> int:
        return int(self.links[self.index(t_min)].size)


def snapshot(sysm: System, times_s, counts, links, events) -> Snapshot:
    """A snapshot of one kernel run (counts (T, N, codes), links (T, N))."""
    return Snapshot(np.asarray(times_s) / 60.0, [counts[j] for j in range(counts.shape[0])],
                    [links[j] for j in range(links.shape[0])], sysm, int(events))


# ============================================================================ reference observables

@dataclass(frozen=True)
class Quantity:
    """The simulated quantity behind one observation.

    ``kind``: fraction | max_fraction | lead_margin | no_dithiol_fraction | mean_count |
    crosslinked_fraction | bridged_soluble_fraction | bridged_fraction | changed_fraction |
    ligand_fraction | lead_pdt3_pet_margin."""
    experiment: str
    kind: str
    time_min: float
    species: str = ""

    def times_needed(self, times_min) -> list[float]:
        if self.kind == "max_fraction":
            return [float(t) for t in times_min if t > 0]
        return [float(self.time_min)]


#: observation id -> the simulated quantity (ids of inputs/data/ligand_exchange_observations.toml)
REFERENCE = {
    "tbbt18_pdt_lead_5min": Quantity("tbbt18_pdt", "lead_margin", 5, "TBBT12PDT3"),
    "tbbt18_pdt_lead_180min": Quantity("tbbt18_pdt", "lead_margin", 180, "TBBT12PDT3"),
    "tbbt18_pdt_tbbt16pdt1_max": Quantity("tbbt18_pdt", "max_fraction", 0, "TBBT16PDT1"),
    "tbbt18_pdt_tbbt14pdt2_180min": Quantity("tbbt18_pdt", "fraction", 180, "TBBT14PDT2"),
    "tbbt18_pdt_tbbt10pdt4_180min": Quantity("tbbt18_pdt", "fraction", 180, "TBBT10PDT4"),
    "tbbt18_pdt_tbbt12pdt4_180min": Quantity("tbbt18_pdt", "fraction", 180, "TBBT12PDT4"),
    "pet18_tbbt_pdt_no_pdt_5min": Quantity("pet18_tbbt_pdt", "no_dithiol_fraction", 5),
    "pet18_tbbt_pdt_mean_tbbt_5min": Quantity("pet18_tbbt_pdt", "mean_count", 5, "TBBT"),
    "pet18_tbbt_pdt_pdt3_pet_20min": Quantity("pet18_tbbt_pdt", "lead_pdt3_pet_margin", 20),
    "pet18_tbbt_pdt_lead_300min": Quantity("pet18_tbbt_pdt", "lead_margin", 300, "TBBT12PDT3"),
    "pet18_tbbt_pdt_tbbt14pdt2_300min": Quantity("pet18_tbbt_pdt", "fraction", 300, "TBBT14PDT2"),
    "pet18_pdt_crosslinked_300min": Quantity("pet18_pdt", "crosslinked_fraction", 300),
    "pet18_pdt_bridged_soluble_300min": Quantity("pet18_pdt", "bridged_soluble_fraction", 300),
    "tbbt12pdt3_edt_changed_180min": Quantity("tbbt12pdt3_edt", "changed_fraction", 180, "TBBT12PDT3"),
    "tbbt12pdt3_budt_lead_180min": Quantity("tbbt12pdt3_budt", "lead_margin", 180, "TBBT10PDT3BuDT1"),
    "tbbt18_bdt_bridged_180min": Quantity("tbbt18_bdt", "bridged_fraction", 180, "BDT"),
    "pet18_tbbt_250_tbbt_share_600min": Quantity("pet18_tbbt_250", "ligand_fraction", 600, "TBBT"),
    "pet18_tbbt_250_tbbt_share_60min": Quantity("pet18_tbbt_250", "ligand_fraction", 60, "TBBT"),
}

#: reference experiments (files inputs/ligand_exchange/<name>.toml), in validation order
EXPERIMENTS = tuple(dict.fromkeys(q.experiment for q in REFERENCE.values()))

#: ensembles of the quick (calibration) path: per experiment, (last output time in min,
#: clusters) segments; the times up to the first split come from the first ensemble, the
#: later ones from the next.  Without ``quick`` each experiment runs once with its file's
#: n_clusters (4000).
QUICK_ENSEMBLES = {
    "tbbt18_pdt": ((10.0, 150), (math.inf, 12)),
    "pet18_tbbt_pdt": ((20.0, 200), (math.inf, 12)),
    "pet18_pdt": ((math.inf, 4000),),
    "tbbt12pdt3_edt": ((math.inf, 100),),
    "tbbt12pdt3_budt": ((math.inf, 12),),
    "tbbt18_bdt": ((math.inf, 100),),
    "pet18_tbbt_250": ((math.inf, 4000),),
}
#: quick path: a parameter set whose run needs more events per cluster and simulated minute
#: than this (about 15x the 55-75 of the pre-calibration values, where dithiol ends bind and
#: let go) gets no value (NaN: zero likelihood) instead of stalling the calibration (an
#: optimiser probing a bound can ask for 10^3x the events); counted in :data:`CAPPED`
QUICK_MAX_EVENTS_PER_CLUSTER_MINUTE = 1000
CAPPED = {"runs": 0, "capped": 0}


def experiment_path(name: str) -> Path:
    from sim.paths import model_inputs

    return model_inputs(NAME) / f"{name}.toml"


def load_reference(name: str):
    from sim.config import load_experiment

    return load_experiment(experiment_path(name))


_REFERENCE_CACHE: dict = {}


def reference_experiment(name: str):
    """The reference experiment ``name`` (read once per process)."""
    if name not in _REFERENCE_CACHE:
        _REFERENCE_CACHE[name] = load_reference(name)
    return _REFERENCE_CACHE[name]


def _parse(label: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"([A-Za-z]+?)(\d+)", label)}


def quantity_value(snap: Snapshot, q: Quantity) -> float:
    """Simulated value of one reference quantity."""
    kind, sp, t = q.kind, q.species, q.time_min
    if kind == "fraction":
        return snap.fraction(t, sp)
    if kind == "max_fraction":
        return max(snap.fraction(tt, sp) for tt in snap.times_min if tt > 0)
    if kind == "lead_margin":       # fraction of the species minus that of the runner-up
        fr = snap.fractions(t)
        other = max([v for k, v in fr.items() if k != sp], default=0.0)
        return fr.get(sp, 0.0) - other
    if kind == "no_dithiol_fraction":
        return float(np.mean(snap.dithiol_units(t) == 0))
    if kind == "mean_count":
        return snap.mean_code(t, sp)
    k = snap.index(t)
    n0, nd = snap.system.n_mono, snap.system.n_di
    if kind == "crosslinked_fraction":
        return float(np.mean(snap.links[k] > 0))
    if kind == "bridged_soluble_fraction":
        bridged = snap.counts[k][:, n0 + nd:n0 + 2 * nd].sum(axis=1) > 0
        return float(np.mean(bridged & (snap.links[k] == 0)))
    if kind == "bridged_fraction":
        d = snap.system.di.index(sp)
        return float(np.mean(snap.counts[k][:, n0 + nd + d] > 0))
    if kind == "changed_fraction":     # counted, not 1 - fraction (no rounding at the bound)
        labels = snap.labels_at(snap.index(t))
        return float(np.count_nonzero(labels != sp)) / len(labels)
    if kind == "ligand_fraction":
        names = snap.system.code_names()
        return float(snap.counts[k][:, names.index(sp)].sum() / (N_SITES * snap.counts[k].shape[0]))
    if kind == "lead_pdt3_pet_margin":
        # leading PDT-bearing species: must carry 3 PDT and 1-3 PET; margin of the best such
        # species over the best other PDT-bearing species
        fr = snap.fractions(t)
        good, bad = 0.0, 0.0
        for lab, v in fr.items():
            p = _parse(lab)
            if p.get("PDT", 0) == 0 and p.get("PDTH", 0) == 0:
                continue
            if p.get("PDT", 0) == 3 and 1 <= p.get("PET", 0) <= 3 and "PDTH" not in p:
                good = max(good, v)
            else:
                bad = max(bad, v)
        return good - bad
    raise ValueError(f"unknown reference quantity {kind!r}")


def _binomial_se(p: float, n: int) -> float:
    """SE of a fraction of n clusters; at 0 or 1 the Jeffreys point (k + 1/2)/(n + 1), so a
    fraction that came out 0 still has an honest, non-zero uncertainty."""
    k = p * n
    q = (k + 0.5) / (n + 1.0)
    return math.sqrt(q * (1.0 - q) / n)


def _margin_se(p1: float, p2: float, n: int) -> float:
    """SE of p1 - p2, two fractions of one multinomial sample of n clusters."""
    var = (p1 + p2 - (p1 - p2) ** 2) / n
    return math.sqrt(max(var, 0.0)) if var > 0 else 1.0 / n


def quantity_se(snap: Snapshot, q: Quantity, value: float) -> float:
    """Sampling standard error of a reference quantity (finite cluster population)."""
    kind, sp, t = q.kind, q.species, q.time_min
    if kind == "max_fraction":
        tt = max((x for x in snap.times_min if x > 0), key=lambda x: snap.fraction(x, sp))
        return _binomial_se(value, snap.n_clusters(tt))
    n = snap.n_clusters(t)
    if kind in ("fraction", "no_dithiol_fraction", "crosslinked_fraction", "bridged_soluble_fraction",
                "bridged_fraction", "changed_fraction"):
        return _binomial_se(value, n)
    k = snap.index(t)
    names = snap.system.code_names()
    if kind == "mean_count":
        x = snap.counts[k][:, names.index(sp)].astype(float)
        return float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    if kind == "ligand_fraction":
        x = snap.counts[k][:, names.index(sp)].astype(float) / N_SITES
        return float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    if kind == "lead_margin":
        fr = snap.fractions(t)
        p1 = fr.get(sp, 0.0)
        p2 = max([v for kk, v in fr.items() if kk != sp], default=0.0)
        return _margin_se(p1, p2, n)
    if kind == "lead_pdt3_pet_margin":
        return _margin_se(max(value, 0.0), max(-value, 0.0), n) if value else 1.0 / math.sqrt(n)
    return math.nan


def _bounds(obs_id: str):
    from .model import MODEL

    for o in MODEL.observations():
        if o.id == obs_id:
            return o.min, o.max
    return -math.inf, math.inf


def margin_in_se(value: float, se: float, lo: float, hi: float) -> float:
    """Distance of ``value`` inside its range [lo, hi] (negative: outside) in units of ``se``."""
    m = min(value - lo, hi - value)
    return m / se if se > 0 else math.copysign(math.inf, m)


def quantity_text(snap: Snapshot, q: Quantity, value: float, obs_id: str | None = None) -> str:
    """The text shown for a value: the value with its sampling SE, the margin to the
    observation's bound in SE, and the leading species for lead margins."""
    se = quantity_se(snap, q, value)
    n = snap.n_clusters(q.time_min) if q.kind != "max_fraction" else snap.n_clusters(snap.times_min[-1])
    pre = ""
    if q.kind == "lead_margin":
        lead, f = snap.leading(q.time_min)
        pre = f"{lead} ({100 * f:.1f} %), "
    text = f"{pre}{value:.4g} ± {se:.2g} (SE, {n} clusters)"
    if obs_id is not None:
        lo, hi = _bounds(obs_id)
        m = margin_in_se(value, se, lo, hi)
        text += f", margin {m:+.1f} SE" + (" (undecided: |margin| < 2 SE)" if abs(m) < 2 else "")
    return text


def _segments(name: str, quick: bool, exp) -> tuple:
    if quick:
        return QUICK_ENSEMBLES[name]
    return ((math.inf, exp.config.solver.n_clusters),)


def experiment_snapshots(name: str, values_list, times_needed, quick: bool = False):
    """Snapshots of reference experiment ``name`` for every parameter set of ``values_list``
    (``None`` where a quick run hit the event cap), covering the output times of the file up
    to the last of ``times_needed``."""
    exp = reference_experiment(name)
    cfg = exp.config
    file_times = [float(t) for t in cfg.conditions.times_min]
    t_last = max(times_needed)
    B = len(values_list)
    cols = [dict(times=[], links=[], counts=[], events=0, system=None, capped=False)
            for _ in range(B)]
    lo = -math.inf
    for split, n in _segments(name, quick, exp):
        seg_times = [t for t in file_times if lo < t <= split and t <= t_last]
        if seg_times and any(lo < t <= split for t in times_needed):
            run_times = [t for t in file_times if t <= seg_times[-1]]
            cap = (int(QUICK_MAX_EVENTS_PER_CLUSTER_MINUTE * n * max(seg_times[-1], 1.0)) if quick
                   else cfg.solver.max_events)
            systems, _, counts, links, _, events = simulate_many(
                cfg, values_list, seed=exp.seed, n_clusters=n, times_min=run_times, max_events=cap)
            CAPPED["runs"] += B
            for b, col in enumerate(cols):
                if events[b] >= cap:
                    CAPPED["capped"] += 1
                    col["capped"] = True
                col["events"] += int(events[b])
                col["system"] = systems[b]
                for j, t in enumerate(run_times):
                    if t in seg_times:
                        col["times"].append(t)
                        col["links"].append(links[b, j])
                        col["counts"].append(counts[b, j])
        lo = split
    return [None if c["capped"] else Snapshot(c["times"], c["counts"], c["links"], c["system"], c["events"])
            for c in cols]


def reference_values(values_list, ids, quick: bool = False) -> list[dict]:
    """``[{id: value or (value, text)}]`` for every parameter set of ``values_list``."""
    unknown = [i for i in ids if i not in REFERENCE]
    if unknown:
        raise KeyError(f"unknown observation id(s) {unknown}; known: {', '.join(REFERENCE)}")
    out = [dict() for _ in values_list]
    by_exp: dict[str, list[str]] = {}
    for i in ids:
        by_exp.setdefault(REFERENCE[i].experiment, []).append(i)
    for name, exp_ids in by_exp.items():
        file_times = reference_experiment(name).config.conditions.times_min
        needed = sorted({t for i in exp_ids for t in REFERENCE[i].times_needed(file_times)})
        snaps = experiment_snapshots(name, values_list, needed, quick)
        for b, snap in enumerate(snaps):
            for i in exp_ids:
                if snap is None:
                    out[b][i] = (math.nan, "event cap reached")
                    continue
                v = quantity_value(snap, REFERENCE[i])
                out[b][i] = (v, quantity_text(snap, REFERENCE[i], v, i))
    return out
