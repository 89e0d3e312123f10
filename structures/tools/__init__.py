"""Scripts that regenerate shipped structure and ligand data (run with ``python -m``)."""
