"""The batched entry point of sweeps, suggest and design: final scalar quantities of many
experiments from one call of :func:`kinetics.growth.kernel.sweep_kernel`."""
from __future__ import annotations

import math

from sim.config import ConfigError
from sim.model import PointSummary

from kinetics.growth import materials as mat
from kinetics.growth.kernel import (O_BASE, O_D, O_DISP, O_R2R3, O_THETA_A, O_TIO2,
                                    O_YIELD)

UNITS = {"mean_diameter_nm": "nm", "dispersity": "", "yield": "", "tio2_fraction": "",
         "modulator_per_linker": "", "dmf_base_M": "mol/L", "scherrer_size_nm": "nm",
         "pxrd_peak_fwhm_deg": "deg"}
PXRD = ("scherrer_size_nm", "pxrd_peak_fwhm_deg")
BATCH = tuple(q for q in UNITS if q not in PXRD)


def summaries(model, experiments, quantities=None, values_list=None) -> list:
    from kinetics.growth.observables import run_key
    from kinetics.growth.simulation import kernel_inputs, run_batch

    experiments = list(experiments)
    wanted = list(quantities) if quantities is not None else list(UNITS)
    units = {q: UNITS.get(q, "") for q in wanted}
    out: list = [None] * len(experiments)
    runs, where = [], []
    for i, exp in enumerate(experiments):
        try:
            values = (dict(values_list[i]) if values_list is not None
                      else model.parameter_values(exp))
            s, nm = run_key(exp, values)
            kernel_inputs(s, values, nm)          # bad material names etc. fail here
            runs.append((s, values, nm))
            where.append(i)
        except (ConfigError, KeyError, ValueError, ArithmeticError, RuntimeError) as exc:
            out[i] = PointSummary.failed(f"{type(exc).__name__}: {exc}", wanted, units)
    finals = run_batch(runs) if runs else []
    need_pxrd = any(q in PXRD for q in wanted)
    for (s, values, nm), i, row in zip(runs, where, finals):
        point = PointSummary(units=dict(units))
        has = row[O_D] > 0.0
        fw = mat.framework(s.material)
        content = (row[O_THETA_A] * 3.0 * row[O_R2R3] * fw.surface_carboxylates_per_nm2
                   * fw.node_volume_nm3 / fw.linker_per_node) if has else math.nan
        vals = {"mean_diameter_nm": row[O_D] if has else math.nan,
                "dispersity": row[O_DISP] if has else math.nan,
                "yield": row[O_YIELD], "tio2_fraction": row[O_TIO2],
                "modulator_per_linker": content, "dmf_base_M": row[O_BASE]}
        if need_pxrd:
            try:
                vals.update(_pxrd(s, values, nm, point))
            except (ValueError, ArithmeticError, RuntimeError) as exc:
                for q in PXRD:
                    vals[q] = math.nan
                    point.reasons[q] = f"PXRD failed: {type(exc).__name__}: {exc}"
        for q in wanted:
            if q not in UNITS:
                point.values[q] = math.nan
                point.reasons[q] = f"not a growth quantity (known: {', '.join(UNITS)})"
                continue
            point.values[q] = float(vals[q])
            if not math.isfinite(point.values[q]) and q not in point.reasons:
                point.reasons[q] = "no particles formed"
        out[i] = point
    return out


def _pxrd(s, values, nm, point) -> dict:
    from kinetics.growth.pxrd import scherrer_from_pattern
    from kinetics.growth.simulation import simulate

    pat = scherrer_from_pattern(simulate(s, values, nm))
    if pat is None:
        for q in PXRD:
            point.reasons[q] = "no particles formed: no diffraction pattern"
        return {q: math.nan for q in PXRD}
    if pat.reason:
        point.reasons["scherrer_size_nm"] = pat.reason
        if not math.isfinite(pat.fwhm_deg):
            point.reasons["pxrd_peak_fwhm_deg"] = pat.reason
    return {"scherrer_size_nm": pat.scherrer_nm, "pxrd_peak_fwhm_deg": pat.fwhm_deg}
