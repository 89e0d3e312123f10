"""nanokin's built-in data: reference experiments (``<model>/*.toml``), measured
observations with their sources (``data/``), posterior summaries and samples of the
calibrated parameters (``fitted/``), structures and benchmark networks.

This package holds no code; it exists so that the data ship inside the installed
package and are found the same way in an editable and in a wheel install
(:func:`sim.paths.inputs_dir`).
"""
