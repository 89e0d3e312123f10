"""Template of a model's fuzz corpus (files starting with '_' are not loaded).

Copy to ``tests/fuzz_corpora/<format>.py``: ``CORPUS`` lists ``(suffix, generator)``;
``generator(rng, n, shipped)`` yields up to ``n`` :class:`sim.fuzz.Case` objects (rng: a
seeded numpy Generator; shipped: the shipped experiment files). ``tests/test_fuzz.py``
runs each corpus with its fixed seed; ``benchmarks/fuzz_long.py`` asks for many more.
"""
from sim.fuzz import Case


def mutated_lines(rng, n, shipped):
    for i in range(n):
        yield Case(name=f"example {i}", suffix=".toml", command="load",
                   content=b'model = "toy"\n[conditions]\nn_molecules = ' + str(i).encode() + b"\n")


CORPUS = [(".toml", mutated_lines)]
