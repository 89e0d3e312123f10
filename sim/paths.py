"""Where nanokin finds its reference inputs and measured data.

The reference experiments live in ``inputs/`` at the top of the source tree
(``inputs/<model>/*.toml``, measured values in ``inputs/data/``, fitted parameter
sets in ``inputs/fitted/``).  ``NANOKIN_INPUTS`` overrides the location.
"""
from __future__ import annotations

import os
from pathlib import Path


def inputs_dir() -> Path:
    env = os.environ.get("NANOKIN_INPUTS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "inputs"


def data_file(name: str) -> Path:
    return inputs_dir() / "data" / name


def model_inputs(model: str) -> Path:
    return inputs_dir() / model


def reference_experiment_files(model: str) -> list[Path]:
    """The shipped reference experiments of ``model`` (``inputs/<model>/*.toml``), sorted."""
    folder = model_inputs(model)
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def fitted_file(model: str) -> Path:
    return inputs_dir() / "fitted" / f"{model}.json"


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def benchmark_models_dir() -> Path:
    """The standard SSA benchmark networks (``inputs/network``; ``NANOKIN_BENCHMARK_MODELS``
    overrides)."""
    env = os.environ.get("NANOKIN_BENCHMARK_MODELS")
    return Path(env) if env else model_inputs("network")
