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
