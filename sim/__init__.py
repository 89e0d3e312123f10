"""nanokin engine: kernels, configuration, storage and the command line.

``sim`` knows numbers, not chemistry: it never imports ``kinetics`` or
``structures``; models are found through the ``nanokin.models`` entry points.
"""
__version__ = "0.1.0"

__all__ = ["run", "experiment", "__version__"]


def __getattr__(name):
    # the Python API, imported on first use so that `import sim` (and the CLI) stays fast
    if name in ("run", "experiment", "RunResult", "Value"):
        from sim import api
        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
