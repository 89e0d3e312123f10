"""Mutations of the auxiliary files the models read: BioNetGen ``.net`` networks, cluster
structure files (ligand exchange) and particle-size CSV files (photodoping).

Each case starts from a valid shipped file and changes one thing (a number made text,
NaN, inf, huge, negative or zero; a line deleted, duplicated or cut short; an element
renamed; a column dropped). Every case must end in a result or in a ConfigError naming
the file (``sim.fuzz`` decides).
"""
from __future__ import annotations

import re

from sim.fuzz import Case
from sim.paths import inputs_dir

BAD_NUMBERS = [b"abc", b"nan", b"inf", b"-inf", b"1e400", b"-5", b"0", b"1e300", b"0/0",
               b"9223372036854775807", b"((((((((((1))))))))))", b"", b"1e-400", b"3+4j"]
NUMBER = re.compile(rb"(?<![A-Za-z_])[-+]?\d+(\.\d*)?([eE][-+]?\d+)?")


def _mutate_lines(rng, text: bytes) -> tuple[str, bytes]:
    lines = text.split(b"\n")
    k = int(rng.integers(len(lines)))
    op = int(rng.integers(5))
    if op == 0:                                  # a number replaced by something bad
        hits = [i for i, line in enumerate(lines) if NUMBER.search(line)]
        i = int(rng.choice(hits))
        matches = list(NUMBER.finditer(lines[i]))
        m = matches[int(rng.integers(len(matches)))]
        bad = BAD_NUMBERS[int(rng.integers(len(BAD_NUMBERS)))]
        lines[i] = lines[i][:m.start()] + bad + lines[i][m.end():]
        return f"line {i + 1}: number -> {bad.decode()!r}", b"\n".join(lines)
    if op == 1:
        del lines[k]
        return f"line {k + 1} deleted", b"\n".join(lines)
    if op == 2:
        lines.insert(k, lines[k])
        return f"line {k + 1} duplicated", b"\n".join(lines)
    if op == 3:
        cut = int(rng.integers(1, max(2, len(text))))
        return f"cut at byte {cut}", text[:cut]
    lines[k] = lines[k][: len(lines[k]) // 2]
    return f"line {k + 1} cut in half", b"\n".join(lines)


def net_cases(rng, n, shipped):
    text = (inputs_dir() / "network" / "multistate.net").read_bytes()
    for i in range(n):
        what, content = _mutate_lines(rng, text)
        yield Case(name=f".net {what}", suffix=".net", content=content, command="load")


LE_TOML = b"""model = "ligand_exchange"
name = "fuzz_structure"
[cluster]
structure_file = "cluster.xyz"
[reagents]
dithiol = "PDT"
dithiol_equiv = 216
[conditions]
times_min = [0, 1]
[solver]
n_clusters = 20
"""


def structure_cases(rng, n, shipped):
    text = (inputs_dir() / "structures" / "au24pt_sr18_ideal_th.xyz").read_bytes()
    for i in range(n):
        if i % 5 == 4:                             # an element renamed
            lines = text.split(b"\n")
            k = int(rng.integers(2, len(lines) - 1))
            sym = [b"X", b"Zz", b"C", b"Au", b"S", b"1.0"][int(rng.integers(6))]
            parts = lines[k].split()
            if parts:
                parts[0] = sym
                lines[k] = b"  ".join(parts)
            what, content = f"atom line {k + 1} element -> {sym.decode()}", b"\n".join(lines)
        else:
            what, content = _mutate_lines(rng, text)
        yield Case(name=f"structure {what}", suffix=".toml", content=LE_TOML, command="load",
                   extra={"cluster.xyz": content})


PD_TOML = b"""model = "photodoping"
name = "fuzz_sizes"
[material]
preset = "mil125"
[particles]
distribution = "file"
file = "sizes.csv"
[sample]
solvent = "methanol"
reference_electrode = "Fc+/0"
[light]
wavelength_nm = 308.0
[quencher]
name = "methanol"
[output]
t_end_s = 60.0
n_times = 5
"""

SIZES = b"diameter_nm,weight\n20,1\n25,2\n30,1.5\n40,0.5\n"


def size_csv_cases(rng, n, shipped):
    for i in range(n):
        what, content = _mutate_lines(rng, SIZES)
        yield Case(name=f"size CSV {what}", suffix=".toml", content=PD_TOML,
                   command="load", extra={"sizes.csv": content})


CORPUS = [(".net", net_cases), (".xyz", structure_cases), (".csv", size_csv_cases)]
