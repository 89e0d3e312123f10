"""Compare two `nanokin validate --json` outputs row by row (CI: wheel vs editable install).

Exit 0 when both have the same rows with the same simulated values, medians and intervals (relative 1e-9),
1 otherwise, printing every difference.
"""
import json
import math
import sys


def key(row):
    return (row["model"], row["kind"], row["id"] or row["experiment"], row["quantity"])


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def main(path_a, path_b):
    a = {key(r): r for r in json.load(open(path_a))}
    b = {key(r): r for r in json.load(open(path_b))}
    problems = [f"only in {path_a}: {k}" for k in a.keys() - b.keys()]
    problems += [f"only in {path_b}: {k}" for k in b.keys() - a.keys()]
    for k in a.keys() & b.keys():
        for field in ("simulated", "median", "interval", "pass", "role", "in_interval"):
            va, vb = a[k].get(field), b[k].get(field)
            if isinstance(va, list) and isinstance(vb, list) and len(va) == len(vb):
                ok = all(same(x, y) for x, y in zip(va, vb))
            else:
                ok = same(va, vb)
            if not ok:
                problems.append(f"{k}: {field} {va!r} vs {vb!r}")
    if not a:
        problems.append("no rows")
    for p in problems:
        print(p)
    print(f"{len(a)} rows compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
