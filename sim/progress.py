"""Progress bars for long work (tqdm), quiet when output is not a terminal."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress(iterable=None, *, total=None, desc: str = "", enabled: bool | None = None, unit="it"):
    """Wrap ``iterable`` in a progress bar shown on stderr when it is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(iterable, total=total, desc=desc, disable=not enabled, unit=unit,
                leave=False, dynamic_ncols=True)


class StageBar:
    """A bar over named stages of unequal cost (model, stage, elapsed, remaining).

    ``bar.step(label)`` shows ``label`` while a stage runs; ``bar.step(None)`` counts it
    done. Shown on a terminal, and in a notebook through ``tqdm.auto``; silent otherwise
    (``enabled=False``) so logs and pipes stay clean."""

    def __init__(self, total: int, enabled: bool | None = None, prefix: str = ""):
        if enabled is None:
            enabled = _interactive()
        self.prefix = prefix
        self.bar = tqdm(total=total, disable=not enabled, unit="stage", leave=False,
                        dynamic_ncols=True,
                        bar_format="{desc} {bar} {n_fmt}/{total_fmt} "
                                   "[{elapsed} elapsed, {remaining} remaining]")

    def step(self, label: str | None) -> None:
        if label is None:
            self.bar.update(1)
        else:
            self.bar.set_description_str(f"{self.prefix}{label}", refresh=True)

    def for_model(self, name: str):
        """A ``step`` callable that prefixes labels with the model name."""
        def step(label):
            self.step(None if label is None else f"{name}: {label}")
        return step

    def close(self) -> None:
        self.bar.close()


def _interactive() -> bool:
    """True on a terminal or inside a Jupyter kernel."""
    if sys.stderr.isatty():
        return True
    try:
        from IPython import get_ipython  # noqa: PLC0415
        ip = get_ipython()
        return ip is not None and "IPKernelApp" in getattr(ip, "config", {})
    except Exception:
        return False


def kernels_cached(module_name: str) -> bool:
    """Whether numba has cached compiled kernels for the package or module ``module_name``
    (False on a first run, when compiling takes a while)."""
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return True
    if spec is None or spec.origin is None:
        return True
    root = Path(spec.origin).parent
    return any(root.rglob("*.nbi"))
