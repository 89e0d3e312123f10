"""The ``nanokin`` command line: a table of subcommands, each imported only when used.

    nanokin run CONFIG [-o OUT.h5]          run one experiment (TOML, or a model's own format)
    nanokin validate [--only MODEL] [--quick] [--json FILE]
    nanokin fit MODEL [--seed N] [--write]  Bayesian calibration (MAP + emcee posterior)
    nanokin params MODEL                    the parameter table: value, kind, prior, source
    nanokin info FILE.h5                    provenance and contents of a result file
    nanokin keys MODEL                      experiment-file keys with units, defaults, docs
    nanokin export FORMAT CONFIG [-o OUT]   write an experiment in another tool's format
    nanokin export csv|netcdf FILE.h5       a result or sweep file as CSV / netCDF-4
    nanokin bench [--quick] [--json FILE]   the benchmark suite (ratios against peers)
    nanokin sweep CONFIG --axis KEY=LO:HI:N ... parameter sweep into one HDF5 grid
    nanokin suggest CONFIG --vary KEY=LO:HI --target NAME=LO:HI   the next experiments
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
    from sim.config import check_input_file, load_experiment
    from sim.model import model_for_suffix

    p = check_input_file(path, "an experiment file (.toml) or a format a model reads")
    if p.suffix.lower() != ".toml":
        model = model_for_suffix(p.suffix.lower())
        if model is None:
            raise ConfigError(p, None, p.suffix, "a .toml experiment file or a format a model "
                              "reads", "unknown file type")
        return model.load_file(p)
    return load_experiment(p)


# ----------------------------------------------------------------------------- run

MAX_DRAWS = 10_000   # posterior draws of `run` (each one is a full model run)


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

    from sim import interrupt
    from sim.config import check_seed, safe_name
    from sim.model import get_model
    from sim.store import check_output_path, now, output_lock, write_result

    n_draws = 0 if args.no_uncertainty else args.draws
    if not 0 <= n_draws <= MAX_DRAWS:
        raise ConfigError("command line", "--draws", n_draws,
                          f"a whole number from 0 to {MAX_DRAWS}")
    exp = _load(args.config)
    if args.seed is not None:
        exp = dataclasses.replace(exp, seed=check_seed(args.seed, "command line", "--seed"))
    model = get_model(exp.model)
    default = Path("results") / f"{safe_name(exp.name)}.h5"
    out = check_output_path(Path(args.output) if args.output else default, inputs=(args.config,))
    with output_lock(out):
        if out.exists():
            print(f"note: {out} exists; it will be replaced when this run finishes",
                  file=sys.stderr)
        started = now()
        t0 = time.perf_counter()
        result = model.run(exp)
        wall = time.perf_counter() - t0
        if n_draws and model.parameters is not None and model.parameters.free:
            from sim.uncertainty import summary_intervals
            print(f"posterior predictive: {n_draws} draws ...", file=sys.stderr, flush=True)
            result.uncertainty = summary_intervals(model, exp, result, n_draws)
        result.solver.setdefault("wall_time_s", round(wall, 4))
        with interrupt.deferred():   # a Ctrl-C now lets the file be finished first
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
    p = sub.add_parser(
        "validate", help="compare the reference experiments with measured data",
        epilog="example: nanokin validate --quick   (writes results/report.html)\n"
               "         nanokin validate --only growth --strict --json rows.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
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
                   help="also refit each model leaving out one experimental series at a time "
                        "and report how well the series left out is predicted")
    p.add_argument("--strict", action="store_true",
                   help="exit status 1 when any data row misses its tolerance (default: only "
                        "failed checks, an incomplete run or an unwritten report fail)")
    p.add_argument("--out", default="results", metavar="DIR",
                   help="folder for the report and the reference runs (default results/)")
    p.add_argument("--no-report", action="store_true",
                   help="do not run the reference experiments or write DIR/report.html")
    p.set_defaults(func=cmd_validate)


def _write_reference_runs(model, name: str, out_dir: Path, step) -> list[str]:
    """Run every shipped reference experiment of ``name`` and store it in OUT/name/; the
    problems met (one line each), never an exception for one bad experiment."""
    from sim.config import load_experiment
    from sim.paths import reference_experiment_files
    from sim.store import now, write_result

    problems = []
    for path in reference_experiment_files(name):
        step(f"reference run {path.stem}")
        try:
            exp = load_experiment(path)
            started = now()
            result = model.run(exp)
            write_result(out_dir / name / f"{exp.name}.h5", result, exp, started=started)
        except Exception as exc:  # reported on the page and in the terminal
            problems.append(f"{name}/{path.name}: {type(exc).__name__}: {exc}")
        step(None)
    return problems


def cmd_validate(args) -> int:
    import inspect

    from sim.model import VALIDATED, get_model
    from sim.progress import StageBar, kernels_cached
    from sim.store import now, provenance
    from sim.validation import format_table, write_json

    names = args.only or list(VALIDATED)
    draws = 0 if args.no_uncertainty else args.draws
    if draws < 0:
        raise ConfigError("--draws", "draws", draws, "a whole number >= 0")
    out_dir = Path(args.out)
    report = not args.no_report
    if report and out_dir.exists() and not out_dir.is_dir():
        raise ConfigError("--out", "out", str(out_dir), "a folder (or a path that does not exist)")
    rows, missing, sections, problems = [], [], [], []
    started = now()
    models = []
    for name in names:
        try:
            models.append((name, get_model(name)))
        except KeyError:
            missing.append(name)
    if any(not kernels_cached(type(m).__module__.rpartition(".")[0] or type(m).__module__)
           for _, m in models):
        print("compiling kernels (first run only; cached afterwards)", file=sys.stderr, flush=True)
    from sim.fit import validation_stages
    total = sum(validation_stages(m, draws) for _, m in models)
    if report:
        from sim.paths import reference_experiment_files
        total += sum(len(reference_experiment_files(n)) + 1 for n, _ in models)
    bar = StageBar(total)
    from sim.report import ModelSection, collect_figures, posterior_figure
    try:
        for name, model in models:
            step = bar.for_model(name)
            t0 = time.perf_counter()
            kw = {"quick": args.quick}
            if "draws" in inspect.signature(model.validate).parameters:
                kw.update(draws=draws, seed=args.seed)
            if "step" in inspect.signature(model.validate).parameters:
                kw["step"] = step
            new = model.validate(**kw)
            section = ModelSection(name, rows=new, parameters=model.parameters)
            if args.cross_validate and model.parameters is not None:
                from sim.fit import cross_validate
                bar.step(f"{name}: cross-validation")
                section.cv_rows = cross_validate(
                    model, quick=args.quick, draws=max(draws, 1), seed=args.seed,
                    log=lambda m: bar.bar.write(m, file=sys.stderr))
            if report:
                problems += _write_reference_runs(model, name, out_dir, step)
                step("figures")
                collect_figures(model, section, args.quick)
                post = posterior_figure(model)
                if post is not None:
                    section.figures.append(post)
                step(None)
            section.seconds = time.perf_counter() - t0
            bar.bar.write(f"{name}: {len(new)} rows in {section.seconds:.1f} s", file=sys.stderr)
            rows.extend(new)
            sections.append(section)
    finally:
        bar.close()
    print(format_table(rows))
    cv_rows = [r for s in sections for r in s.cv_rows]
    if cv_rows:
        from sim.validation import summary_text
        print("cross-validation (every row predicted by a fit that did not see its series): "
              + summary_text(cv_rows))
    for name in missing:
        print(f"model '{name}' is not available in this installation", file=sys.stderr)
    for line in problems:
        print(f"warning: reference run failed: {line}", file=sys.stderr)
    prov = provenance(started=started, extra={"command": "validate", "models": names,
                                              "quick": args.quick, "draws": draws,
                                              "seed": args.seed,
                                              "cross_validate": args.cross_validate})
    if args.json_path:
        write_json(args.json_path, rows, prov)
        print(f"rows written to {args.json_path}")
        if cv_rows:
            cv_path = Path(args.json_path).with_name(Path(args.json_path).stem + ".cv.json")
            write_json(cv_path, cv_rows, prov)
            print(f"cross-validated rows written to {cv_path}")
    report_ok = True
    if report:
        from sim.report import write_report
        notes = [f"Reference run failed: {line}" for line in problems]
        try:
            n_fig = write_report(out_dir / "report.html", sections, prov, notes=notes)
            print(f"report: {out_dir / 'report.html'} ({n_fig} figures); "
                  f"reference runs in {out_dir}/<model>/")
        except OSError as exc:
            print(f"nanokin: error: report not written ({exc})", file=sys.stderr)
            report_ok = False
    checks_ok = all(r.passed for r in rows if r.kind == "check")
    data_ok = all(r.passed for r in rows if r.kind == "data")
    complete = bool(rows) and not missing and not problems and report_ok
    if not checks_ok:
        print("exit status 1: a check row failed (numerics)", file=sys.stderr)
    elif args.strict and not data_ok:
        print("exit status 1 (--strict): a data row missed its tolerance", file=sys.stderr)
    return 0 if (complete and checks_ok and (data_ok or not args.strict)) else 1


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
    from sim.store import describe_safely

    print(describe_safely(args.file))   # a file it cannot read: ConfigError saying why
    return 0


# ----------------------------------------------------------------------------- export

def _add_export(sub):
    p = sub.add_parser("export", help="write an experiment in another tool's format, or a "
                                      "result / sweep file as CSV or netCDF")
    p.add_argument("format", help="e.g. bngl (experiment files); csv or netcdf (.h5 files)")
    p.add_argument("config", help="experiment file, or a result / sweep file (.h5)")
    p.add_argument("-o", "--output", help="output file (default <name>.<format>)")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from sim.export import export_file, is_result_file
    from sim.model import get_model

    if is_result_file(args.config):
        print(f"wrote {export_file(args.format, args.config, args.output)}")
        return 0
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
    p.add_argument("config", help="experiment file (may hold a [sweep] table)")
    p.add_argument("--axis", action="append", default=[], metavar="KEY=LO:HI:N|KEY=V1,V2,...",
                   help="a config key (dotted) and its values: LO:HI:N evenly spaced, a list, "
                        "or LO:HI with --lhs; repeat for a grid")
    p.add_argument("--set", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="the same as --axis")
    p.add_argument("--lhs", type=int, metavar="N",
                   help="N points of a Latin hypercube over the axes instead of the full grid")
    p.add_argument("--quantity", action="append", metavar="NAME",
                   help="compute only this summary quantity (repeatable; default: all)")
    p.add_argument("-o", "--output", help="sweep result file (default results/<name>_sweep.h5)")
    p.add_argument("--workers", type=int, default=1, help="local processes")
    p.add_argument("--batch-size", type=int, help="points per task (default: from the size)")
    p.add_argument("--scheduler", help="dask.distributed scheduler address")
    p.add_argument("--plot", metavar="NAME", help="quantity drawn in the figure (default: first)")
    p.add_argument("--no-plot", action="store_true", help="do not write the figure")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    from sim.sweep import run_sweep_cli

    return run_sweep_cli(args, _load)


# ----------------------------------------------------------------------------- suggest

def _add_suggest(sub):
    p = sub.add_parser("suggest", help="design the next experiments from the calibrated model "
                                       "(predictive distributions, P(success), expected "
                                       "improvement)")
    p.add_argument("config")
    p.add_argument("--vary", action="append", default=[], metavar="KEY=LO:HI",
                   help="a controllable config key (dotted) and its range; repeat for more")
    p.add_argument("--target", action="append", default=[], metavar="NAME=LO:HI",
                   help="a window the quantity must land in (e.g. mean_diameter_nm=18:22); "
                        "NAME=VALUE: within +-(--tolerance) of VALUE")
    p.add_argument("--tolerance", type=float, default=0.1,
                   help="relative half-width of a NAME=VALUE target (default 0.1)")
    p.add_argument("--max", action="append", default=[], metavar="NAME=V",
                   help="an upper bound (e.g. dispersity=0.15)")
    p.add_argument("--min", action="append", default=[], metavar="NAME=V", help="a lower bound")
    p.add_argument("--maximize", metavar="NAME", help="a quantity to make large (expected "
                                                      "improvement)")
    p.add_argument("--minimize", metavar="NAME", help="a quantity to make small")
    p.add_argument("--points", type=int, default=48, help="coarse candidates (default 48)")
    p.add_argument("--draws", type=int, default=16, help="posterior draws per candidate "
                                                         "(default 16)")
    p.add_argument("--batch", type=int, default=3, help="suggestions (default 3)")
    p.add_argument("--top", type=int, dest="batch", help=argparse.SUPPRESS)
    p.add_argument("--refine-evals", type=int, default=10,
                   help="local refinement evaluations per start (default 10; 0: none)")
    p.add_argument("--min-distance", type=float, default=0.1,
                   help="smallest distance between suggestions, in units of the ranges")
    p.add_argument("--softness", type=float, default=0.02,
                   help="window edges softened by this fraction of the window for ranking and "
                        "refinement (default 0.02)")
    p.add_argument("--observed", metavar="CSV", help="measured conditions and outcomes: added "
                                                     "as observations, then recalibrate")
    p.add_argument("--observed-sd", type=float, default=0.1,
                   help="relative sd of a measurement without a <quantity>_sd column (0.1)")
    p.add_argument("--refit-evals", type=int, default=60,
                   help="MAP evaluations of the recalibration (default 60)")
    p.add_argument("-o", "--output", help="the ranked table as CSV (default "
                                          "results/<name>_suggest.csv; the map beside it)")
    p.add_argument("--no-plot", action="store_true", help="do not draw the map")
    p.set_defaults(func=cmd_suggest)


def cmd_suggest(args) -> int:
    from sim.suggest import run_suggest_cli

    return run_suggest_cli(args, _load)


# ----------------------------------------------------------------------------- keys

def _add_keys(sub):
    from sim.model import available_models
    p = sub.add_parser("keys", help="list a model's experiment-file keys with units and defaults",
                       epilog="example: nanokin keys growth   (nanokin new growth prints a "
                              "runnable template)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="one of: " + ", ".join(available_models()))
    p.set_defaults(func=cmd_keys)


def cmd_keys(args) -> int:
    from sim.config import describe_schema

    name, model = _named_model(args.model)
    print(f"model = \"{name}\"   (common keys: name, description, seed)")
    for key, allowed, default, doc in describe_schema(model.config_class):
        print(f"  {key}\n      {allowed}; default {default}" + (f"\n      {doc}" if doc else ""))
    return 0


# ----------------------------------------------------------------------------- new

def _add_new(sub):
    from sim.model import available_models
    p = sub.add_parser(
        "new", help="print a commented experiment-file template for a model",
        epilog="example: nanokin new growth > my_synthesis.toml && nanokin run my_synthesis.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="one of: " + ", ".join(available_models()))
    p.add_argument("-o", "--output", help="write the template to this file (refuses to "
                                          "replace an existing file)")
    p.set_defaults(func=cmd_new)


def cmd_new(args) -> int:
    from sim.template import template

    name, _ = _named_model(args.model)
    text = template(name)
    if args.output:
        out = Path(args.output)
        if out.exists():
            raise ConfigError("command line", "--output", str(out), "a path that does not exist",
                              "will not replace an existing file")
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}; run it with: nanokin run {out}")
    else:
        print(text, end="")
    return 0


COMMANDS = (_add_run, _add_new, _add_validate, _add_fit, _add_params, _add_info, _add_export, _add_bench, _add_sweep,
            _add_suggest, _add_keys)


#: an example for every subcommand's --help
EXAMPLES = {
    "run": "examples:\n  nanokin run inputs/growth/water_0p25.toml\n"
           "  nanokin run inputs/network/multistate.net --seed 3 -o results/ms.h5",
    "new": "example:\n  nanokin new growth > my_synthesis.toml && nanokin run my_synthesis.toml",
    "validate": "examples:\n  nanokin validate --quick            (writes results/report.html)\n"
                "  nanokin validate --only growth --strict --json rows.json",
    "fit": "examples:\n  nanokin fit photodoping --seed 1 -o fits/photodoping.json\n"
           "  nanokin fit growth --use precursor_ome_d --use precursor_oet_d --steps 40",
    "params": "example:\n  nanokin params growth",
    "info": "example:\n  nanokin info results/water_0p25.h5",
    "export": "example:\n  nanokin export bngl inputs/ligand_exchange/tbbt18_pdt.toml -o tbbt18_pdt.bngl",
    "bench": "examples:\n  nanokin bench --quick\n  nanokin bench --only ssa --json bench.json",
    "sweep": "example:\n  nanokin sweep inputs/growth/water_0p25.toml --set synthesis.modulator_eq=0,3,6",
    "suggest": "example:\n  nanokin suggest inputs/growth/water_0p25.toml "
               "--vary synthesis.modulator_eq=0:10 --target mean_diameter_nm=20",
    "keys": "example:\n  nanokin keys growth    (nanokin new growth prints a runnable template)",
}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nanokin",
        description="nanokin: simulation engine for nanocrystal synthesis and photochemistry")
    parser.add_argument("--version", action="version", version=f"nanokin {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    for name, p in sub.choices.items():
        if name in EXAMPLES and not p.epilog:
            p.epilog = EXAMPLES[name]
            p.formatter_class = argparse.RawDescriptionHelpFormatter
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
    from sim.interrupt import terminate_as_interrupt

    try:
        with terminate_as_interrupt():
            return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"nanokin: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:  # a missing data or fit file the package needs
        print(f"nanokin: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except KeyboardInterrupt as exc:
        what = str(exc) or "interrupted (Ctrl-C)"
        print(f"nanokin: {what}; work stopped, results finished before were kept, nothing "
              "unfinished was written", file=sys.stderr)
        return 143 if "SIGTERM" in what else 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
