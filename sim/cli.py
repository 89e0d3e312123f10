"""The ``nanokin`` command line: a table of subcommands, each imported only when used.

    nanokin run CONFIG [-o OUT.h5]          run one experiment (TOML, or a model's own format)
    nanokin validate [--only MODEL] [--quick] [--json FILE]
    nanokin fit MODEL [--seed N] [--write]  Bayesian calibration (MAP + emcee posterior)
    nanokin params MODEL                    the parameter table: value, kind, prior, source
    nanokin info FILE.h5                    provenance and contents of a result file
    nanokin keys MODEL                      experiment-file keys with units, defaults, docs
    nanokin export FORMAT CONFIG [-o OUT]   write an experiment in another tool's format
    nanokin bench [--quick] [--json FILE]   the benchmark suite (ratios against peers)
    nanokin sweep CONFIG --set KEY=V1,V2 ... parameter sweep into one HDF5 file
    nanokin suggest CONFIG --vary KEY=LO:HI --target NAME=VALUE   conditions to try next
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.config import ConfigError


def _model_names():
    from sim.model import VALIDATED, VALIDATED_ON_REQUEST
    return VALIDATED + VALIDATED_ON_REQUEST


def _named_model(text: str):
    """(registry name, model) for a model named on the command line (``-`` or ``_``)."""
    from sim.model import available_models, get_model

    name = text.replace("-", "_")
    try:
        return name, get_model(name)
    except KeyError:
        raise ConfigError("command line", "model", text, ", ".join(available_models()),
                          "unknown model") from None


def _load(path: str):
    """An Experiment from a TOML file or a file another model reads (``.net`` ...)."""
    from sim.config import load_experiment
    from sim.model import model_for_suffix

    p = Path(path)
    if not p.exists():
        raise ConfigError(p, None, str(p), "an existing input file", "file not found")
    if p.suffix.lower() != ".toml":
        model = model_for_suffix(p.suffix.lower())
        if model is None:
            raise ConfigError(p, None, p.suffix, "a .toml experiment file or a format a model "
                              "reads", "unknown file type")
        return model.load_file(p)
    return load_experiment(p)


# ----------------------------------------------------------------------------- run

def _add_run(sub):
    p = sub.add_parser("run", help="run one experiment")
    p.add_argument("config", help="experiment file (TOML; or e.g. a BioNetGen .net file)")
    p.add_argument("-o", "--output", help="result file (default results/<name>.h5)")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    p.add_argument("--seed", type=int, help="override the experiment's seed")
    p.add_argument("--draws", type=int, default=10, metavar="N",
                   help="posterior draws for the 90 %% predictive interval of each summary "
                        "value (default 10; 0 = point estimate only)")
    p.add_argument("--no-uncertainty", action="store_true",
                   help="point estimate only (same as --draws 0)")
    p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    import dataclasses

    from sim.model import get_model
    from sim.store import now, write_result

    exp = _load(args.config)
    if args.seed is not None:
        if args.seed < 0:
            raise ConfigError("--seed", "seed", args.seed, "a whole number >= 0")
        exp = dataclasses.replace(exp, seed=args.seed)
    model = get_model(exp.model)
    out = Path(args.output) if args.output else Path("results") / f"{exp.name}.h5"
    started = now()
    t0 = time.perf_counter()
    result = model.run(exp)
    wall = time.perf_counter() - t0
    n_draws = 0 if args.no_uncertainty else args.draws
    if n_draws < 0:
        raise ConfigError("--draws", "draws", n_draws, "a whole number >= 0")
    if n_draws and model.parameters is not None and model.parameters.free:
        from sim.uncertainty import summary_intervals
        print(f"posterior predictive: {n_draws} draws ...", file=sys.stderr, flush=True)
        result.uncertainty = summary_intervals(model, exp, result, n_draws)
    result.solver.setdefault("wall_time_s", round(wall, 4))
    write_result(out, result, exp, started=started)
    print(f"{exp.model} / {exp.name}  ({wall:.2f} s)")
    if result.uncertainty:
        print(f"  {'':32s} {'point':>12s}  median [90 % interval over {n_draws} posterior draws]")
    for name, q in result.summary.items():
        v = q.values
        text = f"{v:.4g}" if isinstance(v, float) else str(v)
        extra = ""
        if name in result.uncertainty:
            lo, med, hi = result.uncertainty[name].values
            extra = f"  {med:.4g} [{lo:.4g}, {hi:.4g}]"
        print(f"  {name:32s} {text:>12s} {q.unit}{extra}")
    print(f"result: {out}")
    if not args.no_plot:
        png = out.with_suffix(".png")
        try:
            model.plot(result, png)
            if png.exists():
                print(f"plot:   {png}")
        except Exception as exc:  # a plot failure must not lose the stored result
            print(f"warning: plot not written ({exc})", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- validate

def _add_validate(sub):
    p = sub.add_parser("validate", help="compare the reference experiments with measured data")
    p.add_argument("--only", action="append", choices=list(_model_names()),
                   help="validate only this model (repeatable); 'network' (the SSA engine "
                        "against BioNetGen) runs only when named here")
    p.add_argument("--quick", action="store_true", help="smaller ensembles / coarser grids")
    p.add_argument("--json", dest="json_path", help="also write the rows to this JSON file")
    p.add_argument("--draws", type=int, default=8, metavar="N",
                   help="posterior draws for the 90 %% predictive intervals (default 8)")
    p.add_argument("--no-uncertainty", action="store_true", help="point estimates only")
    p.add_argument("--seed", type=int, default=0, help="seed of the posterior draws")
    p.add_argument("--cross-validate", action="store_true",
                   help="refit each model leaving out one experimental series at a time and "
                        "report how well the series left out is predicted")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args) -> int:
    from sim.model import VALIDATED, get_model
    from sim.store import now, provenance
    from sim.validation import format_table, write_json

    names = args.only or list(VALIDATED)
    draws = 0 if args.no_uncertainty else args.draws
    if draws < 0:
        raise ConfigError("--draws", "draws", draws, "a whole number >= 0")
    rows, missing = [], []
    started = now()
    for name in names:
        try:
            model = get_model(name)
        except KeyError:
            missing.append(name)
            continue
        t0 = time.perf_counter()
        if args.cross_validate:
            if model.parameters is None:
                continue
            from sim.fit import cross_validate
            print(f"cross-validating {name} ...", file=sys.stderr, flush=True)
            new = cross_validate(model, quick=args.quick, draws=max(draws, 1), seed=args.seed,
                                 log=lambda m: print(m, file=sys.stderr, flush=True))
        else:
            print(f"validating {name} ...", file=sys.stderr, flush=True)
            new = model.validate(quick=args.quick, draws=draws, seed=args.seed)
        print(f"  {len(new)} rows in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        rows.extend(new)
    if args.cross_validate:
        print("cross-validation: every row predicted by a fit that did not see its series")
    print(format_table(rows))
    for name in missing:
        print(f"model '{name}' is not available in this installation", file=sys.stderr)
    if args.json_path:
        prov = provenance(started=started, extra={"command": "validate", "models": names,
                                                  "quick": args.quick, "draws": draws,
                                                  "seed": args.seed,
                                                  "cross_validate": args.cross_validate})
        write_json(args.json_path, rows, prov)
        print(f"rows written to {args.json_path}")
    ok = rows and all(r.passed for r in rows) and not missing
    return 0 if ok else 1


# ----------------------------------------------------------------------------- fit

def _add_fit(sub):
    p = sub.add_parser("fit", help="Bayesian calibration of a model's free parameters")
    p.add_argument("model", help="growth, photodoping, photocatalysis or ligand_exchange")
    p.add_argument("-o", "--output", help="posterior summary JSON (default fits/MODEL.json; "
                                          "samples go to the .h5 and the corner plot to "
                                          "_corner.png beside it)")
    p.add_argument("--write", action="store_true",
                   help="replace the shipped fit inputs/fitted/MODEL.json (needs a clean tree)")
    p.add_argument("--allow-dirty", action="store_true",
                   help="with --write: accept uncommitted changes (recorded in the file)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampler (default 0)")
    p.add_argument("--walkers", type=int, help="emcee walkers (default: the model's)")
    p.add_argument("--steps", type=int, help="steps per walker (default: the model's)")
    p.add_argument("--burn", type=int, help="burn-in steps discarded (default steps/3)")
    p.add_argument("--quick", action="store_true", help="cheaper model evaluations")
    p.add_argument("--use", action="append", metavar="ID",
                   help="use only these observations (repeatable; default: all with fit = true)")
    p.add_argument("--sensitivity", action="store_true",
                   help="no fit: move each free parameter across its prior range (others at the "
                        "fitted point) and print which validation rows flip pass/fail")
    p.set_defaults(func=cmd_fit)


def cmd_fit(args) -> int:
    from sim.fit import calibrate, save_fit, tree_state

    name, model = _named_model(args.model)
    if model.parameters is None or not model.parameters.free:
        raise ConfigError("command line", "model", name, "a model with calibrated or nuisance "
                          "parameters", "nothing to fit")
    if getattr(args, "sensitivity", False):
        from sim.sensitivity import sensitivity, text
        print(text(*sensitivity(model, quick=args.quick)))
        return 0
    for opt in ("walkers", "steps"):
        v = getattr(args, opt)
        if v is not None and v < 1:
            raise ConfigError("command line", f"--{opt}", v, "a whole number >= 1")
    if args.write:
        out = model.parameters.fit_path
        state = tree_state()
        if state["tree_clean"] is not True and not args.allow_dirty:
            raise ConfigError("command line", "--write", str(out),
                              "a clean, committed source tree (or --allow-dirty)",
                              "the shipped fit must be reproducible from a commit")
    else:
        out = Path(args.output) if args.output else Path("fits") / f"{name}.json"
    if out.suffix != ".json":
        raise ConfigError("command line", "--output", str(out), "a path ending in .json")
    result = calibrate(model, seed=args.seed, walkers=args.walkers, steps=args.steps,
                       burn=args.burn, quick=args.quick or None, use=args.use,
                       progress=sys.stderr.isatty(),
                       log=lambda m: print(m, file=sys.stderr, flush=True))
    paths = save_fit(result, out)
    print(result.text())
    for kind, path in paths.items():
        print(f"{kind:8s} {path}")
    return 0


# ----------------------------------------------------------------------------- params

def _add_params(sub):
    p = sub.add_parser("params", help="a model's parameter table: value, kind, prior, source")
    p.add_argument("model")
    p.set_defaults(func=cmd_params)


def cmd_params(args) -> int:
    name, model = _named_model(args.model)
    if model.parameters is None:
        print(f"model '{name}' has no parameter table")
        return 0
    print(model.parameters.describe())
    return 0


# ----------------------------------------------------------------------------- info

def _add_info(sub):
    p = sub.add_parser("info", help="print the provenance and contents of a result file")
    p.add_argument("file")
    p.set_defaults(func=cmd_info)


def cmd_info(args) -> int:
    import h5py

    from sim.store import describe

    p = Path(args.file)
    if not p.exists():
        raise ConfigError(p, None, str(p), "an existing nanokin result file (.h5)", "file not found")
    try:
        print(describe(p))
    except (OSError, KeyError) as exc:
        if isinstance(exc, OSError) and not h5py.is_hdf5(p):
            raise ConfigError(p, None, p.name, "an HDF5 file written by nanokin",
                              "not an HDF5 file") from None
        raise
    return 0


# ----------------------------------------------------------------------------- export

def _add_export(sub):
    p = sub.add_parser("export", help="write an experiment in another tool's format")
    p.add_argument("format", help="e.g. bngl")
    p.add_argument("config")
    p.add_argument("-o", "--output", help="output file (default <name>.<format>)")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from sim.model import get_model

    exp = _load(args.config)
    model = get_model(exp.model)
    exporters = getattr(model, "exporters", {}) or {}
    if args.format not in exporters:
        allowed = ", ".join(sorted(exporters)) or "none (this model exports nothing)"
        raise ConfigError("command line", "format", args.format, allowed,
                          f"model '{exp.model}' cannot export this format")
    out = Path(args.output) if args.output else Path(f"{exp.name}.{args.format}")
    exporters[args.format](exp, out)
    print(f"wrote {out}")
    return 0


# ----------------------------------------------------------------------------- bench

def _add_bench(sub):
    p = sub.add_parser("bench", help="run the benchmark suite (ratios against peers)")
    p.add_argument("--quick", action="store_true", help="shorter runs")
    p.add_argument("--json", dest="json_path", help="write results to this JSON file")
    p.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args) -> int:
    from sim.bench import main as bench_main

    return bench_main(quick=args.quick, json_path=args.json_path, only=args.only)


# ----------------------------------------------------------------------------- sweep

def _add_sweep(sub):
    p = sub.add_parser("sweep", help="run an experiment over a grid of values")
    p.add_argument("config")
    p.add_argument("--set", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a config key (dotted) and its values; repeat for a grid")
    p.add_argument("-o", "--output", help="sweep result file (default results/<name>_sweep.h5)")
    p.add_argument("--workers", type=int, default=1, help="local processes")
    p.add_argument("--scheduler", help="dask.distributed scheduler address")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    from sim.sweep import run_sweep_cli

    return run_sweep_cli(args, _load)


# ----------------------------------------------------------------------------- suggest

def _add_suggest(sub):
    p = sub.add_parser("suggest", help="rank conditions for a wanted outcome (Latin hypercube)")
    p.add_argument("config")
    p.add_argument("--vary", action="append", default=[], metavar="KEY=LO:HI",
                   help="a config key (dotted) and its range; repeat for more axes")
    p.add_argument("--target", action="append", default=[], metavar="NAME=VALUE",
                   help="a summary quantity and the value wanted")
    p.add_argument("--minimize", action="append", default=[], metavar="NAME",
                   help="a summary quantity to keep small (e.g. dispersity)")
    p.add_argument("--points", type=int, default=64, help="conditions to simulate")
    p.add_argument("--top", type=int, default=10, help="rows to print")
    p.add_argument("--workers", type=int, default=1, help="local processes")
    p.add_argument("-o", "--output", help="where to store all simulated points")
    p.set_defaults(func=cmd_suggest)


def cmd_suggest(args) -> int:
    from sim.suggest import run_suggest_cli

    return run_suggest_cli(args, _load)


# ----------------------------------------------------------------------------- keys

def _add_keys(sub):
    p = sub.add_parser("keys", help="list a model's experiment-file keys with units and defaults")
    p.add_argument("model")
    p.set_defaults(func=cmd_keys)


def cmd_keys(args) -> int:
    from sim.config import describe_schema

    name, model = _named_model(args.model)
    print(f"model = \"{name}\"   (common keys: name, description, seed)")
    for key, allowed, default, doc in describe_schema(model.config_class):
        print(f"  {key}\n      {allowed}; default {default}" + (f"\n      {doc}" if doc else ""))
    return 0


COMMANDS = (_add_run, _add_validate, _add_fit, _add_params, _add_info, _add_export, _add_bench, _add_sweep,
            _add_suggest, _add_keys)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nanokin",
        description="nanokin: simulation engine for nanocrystal synthesis and photochemistry")
    parser.add_argument("--version", action="version", version=f"nanokin {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def _version() -> str:
    import sim

    return sim.__version__


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"nanokin: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:  # a missing data or fit file the package needs
        print(f"nanokin: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except KeyboardInterrupt:
        print("nanokin: interrupted; finished results were kept", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
