"""nanokin engine: kernels, configuration, storage and the command line.

``sim`` knows numbers, not chemistry: it never imports ``kinetics`` or
``structures``; models are found through the ``nanokin.models`` entry points.
"""
__version__ = "0.1.0"
