"""nanokin chemistry: each module turns a validated experiment into kernel arrays
and the kernels' output back into quantities a chemist measures."""
