"""BioNetGen ``.net`` files -> a generic mass-action reaction network.

A ``.net`` file is the expanded reaction network BioNetGen writes from a rule-based
``.bngl`` model (``generate_network``).  Its blocks are::

    begin parameters   index name value-or-expression
    begin species      index name initial-amount (number or parameter expression)
    begin reactions    index reactants products rate [#comment]
    begin groups       index name members  (member = species or weight*species)

Reactants and products are comma-separated species indices; ``0`` stands for
"nothing" (a source or a sink).  A species whose name starts with ``$`` is held
fixed.  The rate expression of an elementary reaction already contains BioNetGen's
statistical factors (``0.5*kp2`` for a symmetric dimerisation, ``2*kp3`` for two
equivalent sites), so the stochastic propensity of a reaction with rate constant
``c`` and reactant multiplicities ``m_s`` is

    a = c * prod_s x_s (x_s - 1) ... (x_s - m_s + 1)

which is what BioNetGen's own SSA (``run_network``) uses: a reaction ``A + A -> B``
written with BNGL rate ``k`` appears here as ``0.5*k`` and fires with propensity
``k x_A (x_A - 1) / 2``.  Rate laws other than elementary mass action (``Sat``,
``MM``, ``Hill``, functions of observables) are refused with a clear
:class:`NetworkError`.

:func:`read_net` parses a file; :meth:`ReactionNetwork.compile` returns the flat
arrays the kernels in :mod:`sim.ssa` work on.
"""
from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.config import ConfigError

__all__ = ["NetworkError", "ReactionNetwork", "CompiledNetwork", "read_net", "parse_net",
           "from_reactions", "propensity_reference"]


# the largest molecule count a species may start with: the state is int64 and the
# propensities are float64 products of counts, both exact far beyond this
MAX_COUNT = 10**15
# longest rate or parameter expression and deepest parenthesis nesting accepted
MAX_EXPRESSION_CHARS = 10_000
MAX_NESTING = 50

_ALLOWED = {
    "file": "a readable BioNetGen .net text file with 'species' and 'reactions' blocks",
    "expression": ("a finite real arithmetic expression (+ - * / ^, exp log ln log10 sqrt "
                   "abs min max, earlier parameters) of at most "
                   f"{MAX_EXPRESSION_CHARS} characters and {MAX_NESTING} nested parentheses"),
    "rate": ("elementary mass action: a finite rate constant >= 0 given by an expression of "
             "parameters"),
    "species": f"'index name amount' with an integer index and an amount 0 <= n <= {MAX_COUNT:.0e}",
    "reaction": "'index reactants products rate' with comma-separated species indices (0: none)",
    "group": "'index name members' with members 'species' or 'weight*species', weight finite > 0",
    "parameter": "'index name expression'",
    "block": "begin/end blocks parameters, species, reactions, groups",
}


class NetworkError(ConfigError):
    """A ``.net`` file that cannot be read, has an invalid entry, or uses a rate law that
    is not supported: a :class:`sim.config.ConfigError` whose key is the line
    ("line 12"), whose value is that line's text and whose ``allowed`` says what the
    entry may be."""

    def __init__(self, file, line_no, line, problem, allowed: str = "file"):
        self.line_no, self.line = line_no, line
        super().__init__(file, f"line {line_no}" if line_no else None,
                         line.strip() if line else str(file), _ALLOWED.get(allowed, allowed),
                         problem)


# ----------------------------------------------------------------------------- expressions

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCS = {"exp": math.exp, "log": math.log, "ln": math.log, "log10": math.log10,
          "sqrt": math.sqrt, "abs": abs, "min": min, "max": max}
_CONSTS = {"_pi": math.pi, "_e": math.e}
_UNSUPPORTED_LAWS = ("Sat", "MM", "Hill", "Arrhenius", "FunctionProduct", "TFUN")
_LAW = re.compile(r"^(" + "|".join(_UNSUPPORTED_LAWS) + r")\s*\(")


class ExpressionError(ValueError):
    """An expression that has no finite real value (the message says why)."""


def evaluate(expr: str, names: dict[str, float]) -> float:
    """Value of a BioNetGen arithmetic expression (``^`` is a power) over ``names``.

    Raises KeyError for an unknown name and :class:`ExpressionError` for anything
    without a finite real value: division by zero, overflow, a complex result (a
    negative number to a fractional power), a function outside its domain,
    ``min()``/``max()`` of nothing, an expression too long or too deeply nested."""
    text = expr.strip().replace("^", "**")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    depth = deepest = 0
    for ch in text:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_NESTING:
        raise ExpressionError(f"parentheses nested {deepest} deep (at most {MAX_NESTING})")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not an arithmetic expression ({type(exc).__name__})") from None

    def ev(node, level=0):
        if level > 4 * MAX_NESTING:
            raise ExpressionError("expression nested too deeply")
        if isinstance(node, ast.Expression):
            return ev(node.body, level + 1)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in names:
                return float(names[node.id])
            if node.id in _CONSTS:
                return _CONSTS[node.id]
            raise KeyError(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            a, b = ev(node.left, level + 1), ev(node.right, level + 1)
            if isinstance(node.op, ast.Div) and b == 0.0:
                raise ExpressionError("division by zero")
            if isinstance(node.op, ast.Pow) and a < 0 and b != int(b):
                raise ExpressionError("complex result (negative number to a fractional power)")
            try:
                v = _BINOPS[type(node.op)](a, b)
            except OverflowError:
                raise ExpressionError("overflow (the value exceeds the float range)") from None
            except ZeroDivisionError:
                raise ExpressionError("division by zero (zero to a negative power)") from None
            if isinstance(v, complex):
                raise ExpressionError("complex result")
            return v
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](ev(node.operand, level + 1))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _FUNCS and not node.keywords:
            args = [ev(a, level + 1) for a in node.args]
            if node.func.id in ("min", "max") and not args:
                raise ExpressionError(f"{node.func.id}() of nothing")
            try:
                v = _FUNCS[node.func.id](*args)
            except OverflowError:
                raise ExpressionError(f"overflow in {node.func.id}()") from None
            except (ValueError, TypeError) as exc:
                raise ExpressionError(f"{node.func.id}() of {args}: {exc}") from None
            return float(v)
        raise ExpressionError(f"unsupported expression element {ast.dump(node)[:40]}")

    try:
        value = float(ev(tree))
    except RecursionError:
        raise ExpressionError("expression nested too deeply") from None
    if not math.isfinite(value):
        raise ExpressionError(f"the value is {value}, not a finite number")
    return value


# ----------------------------------------------------------------------------- network

@dataclass
class ReactionNetwork:
    """Species, mass-action reactions and weighted observables (0-based indices)."""

    species: list[str]
    initial: np.ndarray                   # int64 molecule counts
    reactants: list[tuple[int, ...]]      # species indices, repeated for stoichiometry
    products: list[tuple[int, ...]]
    rate_constants: np.ndarray            # float64, statistical factors included
    observables: list[str] = field(default_factory=list)
    observable_members: list[list[tuple[int, float]]] = field(default_factory=list)
    fixed: np.ndarray | None = None       # bool per species
    parameters: dict[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def n_species(self) -> int:
        return len(self.species)

    @property
    def n_reactions(self) -> int:
        return len(self.reactants)

    def observable_matrix(self) -> np.ndarray:
        """(n_observables, n_species) weights."""
        w = np.zeros((len(self.observables), self.n_species))
        for i, members in enumerate(self.observable_members):
            for s, wt in members:
                w[i, s] += wt
        return w

    def compile(self) -> "CompiledNetwork":
        return CompiledNetwork.build(self)


def _csr(rows: list[list]) -> tuple[np.ndarray, list]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    for i, r in enumerate(rows):
        ptr[i + 1] = ptr[i] + len(r)
    flat = [x for r in rows for x in r]
    return ptr, flat


def _ptr(rows: np.ndarray, n: int) -> np.ndarray:
    """CSR row pointer of a sorted row-index array with ``n`` rows."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr


def _flatten(rows: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """(row index, value) arrays of a ragged list of tuples."""
    lens = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    vals = np.fromiter((s for r in rows for s in r), dtype=np.int64, count=int(lens.sum()))
    return np.repeat(np.arange(len(rows), dtype=np.int64), lens), vals


def dependency_graph(n_reactions, chg_ptr, chg_sp, sdep_ptr, sdep_rx):
    """For every reaction r, the sorted reactions whose propensity changes when r fires
    (those having a species that r changes as a reactant): CSR (ptr, rx)."""
    nr = n_reactions
    chg_r = np.repeat(np.arange(nr, dtype=np.int64), np.diff(chg_ptr))
    cnt = np.diff(sdep_ptr)[chg_sp]
    total = int(cnt.sum())
    rows = np.repeat(chg_r, cnt)
    first = np.repeat(sdep_ptr[chg_sp] - (np.cumsum(cnt) - cnt), cnt)
    cols = sdep_rx[first + np.arange(total, dtype=np.int64)]
    key = np.unique(rows * nr + cols)
    return _ptr(key // nr, nr), key % nr


@dataclass
class CompiledNetwork:
    """Flat arrays (CSR layout) for the numba kernels.

    ``rct_*``: distinct reactant species of reaction r and their multiplicity;
    ``chg_*``: net change of each non-fixed species r changes;
    ``sdep_*``: reactions having species s as a reactant;
    ``obs_*``: observables as weighted species sums.
    ``dep_*`` (reactions whose propensity changes when r fires, r itself included when
    it does) is built on first use: only the direct method needs it, and on networks
    with high fan-out it is large (64 million entries for fceri_gamma2).
    """

    n_species: int
    n_reactions: int
    rates: np.ndarray
    rct_ptr: np.ndarray
    rct_sp: np.ndarray
    rct_mult: np.ndarray
    chg_ptr: np.ndarray
    chg_sp: np.ndarray
    chg_val: np.ndarray
    sdep_ptr: np.ndarray
    sdep_rx: np.ndarray
    obs_ptr: np.ndarray
    obs_sp: np.ndarray
    obs_w: np.ndarray
    x0: np.ndarray
    _dep: tuple | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, net: ReactionNetwork, observables: np.ndarray | None = None):
        ns, nr = net.n_species, net.n_reactions
        fixed = net.fixed if net.fixed is not None else np.zeros(ns, dtype=bool)
        fixed = np.asarray(fixed, dtype=bool)
        rr, rs = _flatten(net.reactants)
        pr, ps = _flatten(net.products)
        key, mult = np.unique(rr * ns + rs, return_counts=True)
        rct_r, rct_sp = key // ns, key % ns
        rct_ptr = _ptr(rct_r, nr)
        ckey = np.concatenate([rr * ns + rs, pr * ns + ps])
        cval = np.concatenate([-np.ones(rr.size, np.int64), np.ones(pr.size, np.int64)])
        ukey, inv = np.unique(ckey, return_inverse=True)
        delta = np.bincount(inv.ravel(), weights=cval, minlength=ukey.size).astype(np.int64)
        keep = (delta != 0) & ~fixed[ukey % ns]
        ukey, delta = ukey[keep], delta[keep]
        chg_ptr = _ptr(ukey // ns, nr)
        order = np.lexsort((rct_r, rct_sp))
        sdep_ptr = _ptr(rct_sp[order], ns)
        sdep_rx = np.ascontiguousarray(rct_r[order])
        if observables is None:
            obs_rows = [sorted(m) for m in net.observable_members]
        else:
            obs_rows = [[(s, float(w)) for s, w in enumerate(row) if w != 0.0]
                        for row in np.atleast_2d(observables)]
        obs_ptr, obs_flat = _csr(obs_rows)
        i64 = np.int64
        return cls(
            n_species=ns, n_reactions=nr,
            rates=np.ascontiguousarray(net.rate_constants, dtype=np.float64),
            rct_ptr=rct_ptr, rct_sp=np.ascontiguousarray(rct_sp, dtype=i64),
            rct_mult=np.ascontiguousarray(mult, dtype=i64),
            chg_ptr=chg_ptr, chg_sp=np.ascontiguousarray(ukey % ns, dtype=i64),
            chg_val=np.ascontiguousarray(delta, dtype=i64),
            sdep_ptr=sdep_ptr, sdep_rx=sdep_rx,
            obs_ptr=obs_ptr, obs_sp=np.array([s for s, _ in obs_flat], dtype=i64),
            obs_w=np.array([w for _, w in obs_flat], dtype=np.float64),
            x0=np.ascontiguousarray(net.initial, dtype=np.int64),
        )

    def _dependencies(self) -> tuple:
        if self._dep is None:
            self._dep = dependency_graph(self.n_reactions, self.chg_ptr, self.chg_sp,
                                         self.sdep_ptr, self.sdep_rx)
        return self._dep

    @property
    def dep_ptr(self) -> np.ndarray:
        return self._dependencies()[0]

    @property
    def dep_rx(self) -> np.ndarray:
        return self._dependencies()[1]

    def with_observables(self, weights: np.ndarray) -> "CompiledNetwork":
        """A copy recording the observables given as an (n_obs, n_species) weight matrix."""
        w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
        rows, cols = np.nonzero(w)
        import dataclasses
        return dataclasses.replace(self, obs_ptr=_ptr(rows, w.shape[0]),
                                   obs_sp=np.ascontiguousarray(cols, dtype=np.int64),
                                   obs_w=np.ascontiguousarray(w[rows, cols]))


def propensity_reference(net: ReactionNetwork, x: np.ndarray) -> np.ndarray:
    """Plain-Python propensities ``c * prod falling factorials`` (the kernels' reference)."""
    a = np.empty(net.n_reactions)
    for r in range(net.n_reactions):
        val = float(net.rate_constants[r])
        seen: dict[int, int] = {}
        for s in net.reactants[r]:
            val *= max(int(x[s]) - seen.get(s, 0), 0)
            seen[s] = seen.get(s, 0) + 1
        a[r] = val
    return a


def from_reactions(species: list[str], initial, reactions: list[tuple], observables=None,
                   source: str = "") -> ReactionNetwork:
    """A network from ``(reactant_names, product_names, rate_constant)`` tuples.

    Rate constants follow the ``.net`` convention (statistical factors included).
    ``observables`` maps a name to a list of species names.
    """
    idx = {s: i for i, s in enumerate(species)}
    rcts, prods, rates = [], [], []
    for rcts_names, prod_names, k in reactions:
        rcts.append(tuple(idx[s] for s in rcts_names))
        prods.append(tuple(idx[s] for s in prod_names))
        rates.append(float(k))
    obs_names, members = [], []
    for name, sp in (observables or {}).items():
        obs_names.append(name)
        members.append([(idx[s], 1.0) for s in sp])
    return ReactionNetwork(species=list(species),
                           initial=np.asarray(initial, dtype=np.int64),
                           reactants=rcts, products=prods,
                           rate_constants=np.asarray(rates, dtype=np.float64),
                           observables=obs_names, observable_members=members,
                           fixed=np.zeros(len(species), dtype=bool), source=source)


# ----------------------------------------------------------------------------- parser

_BLOCK = re.compile(r"^\s*begin\s+(\w+(?:\s+\w+)?)\s*$")
_END = re.compile(r"^\s*end\s+(\w+(?:\s+\w+)?)\s*$")
_KNOWN = ("parameters", "species", "reactions", "groups")
_REFUSED = ("functions", "energy patterns", "population maps")


def read_net(path: str | Path) -> ReactionNetwork:
    """Parse a BioNetGen ``.net`` file; :class:`NetworkError` on anything unsupported."""
    path = Path(path)
    if path.is_dir():
        raise NetworkError(path, None, None, "is a directory, not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NetworkError(path, None, None, "file not found") from None
    except UnicodeDecodeError:
        raise NetworkError(path, None, None, "not a text file") from None
    except OSError as exc:
        raise NetworkError(path, None, None, f"cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise NetworkError(path, None, None, "the file is empty")
    return parse_net(text, file=path)


def parse_net(text: str, file: str | Path = "<string>") -> ReactionNetwork:
    blocks: dict[str, list[tuple[int, str]]] = {}
    current = None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        m = _BLOCK.match(line)
        if m:
            name = m.group(1).lower()
            if name in _REFUSED:
                raise NetworkError(file, no, raw, f"the '{name}' block (functions or rate laws "
                                   "beyond elementary mass action) is not supported", "block")
            if current is not None:
                raise NetworkError(file, no, raw, f"block '{current}' is not closed", "block")
            current = name
            blocks.setdefault(name, [])
            continue
        m = _END.match(line)
        if m:
            if current is None or m.group(1).lower() != current:
                raise NetworkError(file, no, raw, "unmatched 'end'", "block")
            current = None
            continue
        if current is None:
            raise NetworkError(file, no, raw, "text outside a begin/end block", "block")
        blocks[current].append((no, raw.split("#", 1)[0].strip()))
    if current is not None:
        raise NetworkError(file, None, None, f"block '{current}' is not closed at end of file")
    for name in ("species", "reactions"):
        if name not in blocks:
            raise NetworkError(file, None, None, f"no '{name}' block: not a BioNetGen .net file")
    if not blocks["species"]:
        raise NetworkError(file, None, None, "the species block is empty", "species")

    params: dict[str, float] = {}
    for no, line in blocks.get("parameters", []):
        parts = line.split(None, 2)
        if len(parts) < 2:
            raise NetworkError(file, no, line, "expected 'index name value'", "parameter")
        if len(parts) == 2:  # "name value" without an index
            parts = ["0"] + parts
        _, name, expr = parts
        try:
            params[name] = evaluate(expr, params)
        except KeyError as exc:
            raise NetworkError(file, no, line, f"unknown name {exc.args[0]!r} in parameter",
                               "expression") from None
        except ExpressionError as exc:
            raise NetworkError(file, no, line, f"cannot evaluate parameter: {exc}",
                               "expression") from None

    species, initial, fixed, index_of = [], [], [], {}
    for no, line in blocks["species"]:
        parts = line.split()
        if len(parts) != 3:
            raise NetworkError(file, no, line, "expected 'index species amount'", "species")
        idx, name, amount = parts
        try:
            index = int(idx)
        except ValueError:
            raise NetworkError(file, no, line, f"species index {idx!r} is not an integer",
                               "species") from None
        if index in index_of:
            raise NetworkError(file, no, line, f"species index {index} appears twice", "species")
        try:
            value = evaluate(amount, params)
        except KeyError as exc:
            raise NetworkError(file, no, line, f"initial amount refers to {exc.args[0]!r}, "
                               "which is not a parameter", "species") from None
        except ExpressionError as exc:
            raise NetworkError(file, no, line, f"cannot evaluate initial amount: {exc}",
                               "species") from None
        if value < 0 or value > MAX_COUNT:
            raise NetworkError(file, no, line, f"initial amount {value:g} is outside "
                               f"0 <= n <= {MAX_COUNT:.0e} molecules", "species")
        is_fixed = name.startswith("$")
        index_of[index] = len(species)
        species.append(name.lstrip("$"))
        initial.append(int(round(value)))
        fixed.append(is_fixed)

    list_cache: dict[str, tuple[int, ...]] = {}

    def species_list(field_text, no, line):
        hit = list_cache.get(field_text)
        if hit is not None:
            return hit
        out = []
        for tok in field_text.split(","):
            tok = tok.strip()
            if tok == "0":
                continue
            try:
                out.append(index_of[int(tok)])
            except (ValueError, KeyError):
                raise NetworkError(file, no, line, f"unknown species index {tok!r}",
                                   "reaction") from None
        out = tuple(out)
        list_cache[field_text] = out
        return out

    rate_cache: dict[str, float] = {}
    rcts, prods, rates = [], [], []
    for no, line in blocks["reactions"]:
        parts = line.split()
        if len(parts) < 4:
            raise NetworkError(file, no, line, "expected 'index reactants products rate'",
                               "reaction")
        rate_text = " ".join(parts[3:]) if len(parts) > 4 else parts[3]
        k = rate_cache.get(rate_text)
        if k is None:
            m = _LAW.match(rate_text)
            if m:
                raise NetworkError(file, no, line, f"rate law '{m.group(1)}' is not supported "
                                   "(only elementary mass action)", "rate")
            try:
                k = evaluate(rate_text, params)
            except KeyError as exc:
                raise NetworkError(file, no, line, f"rate refers to {exc.args[0]!r}, which is "
                                   "not a parameter (functions/observable-dependent rates are "
                                   "not supported)", "rate") from None
            except ExpressionError as exc:
                raise NetworkError(file, no, line, f"cannot evaluate the rate: {exc}",
                                   "rate") from None
            if k < 0:
                raise NetworkError(file, no, line, f"rate constant {k:g} < 0: must be >= 0",
                                   "rate")
            rate_cache[rate_text] = k
        rcts.append(species_list(parts[1], no, line))
        prods.append(species_list(parts[2], no, line))
        rates.append(k)

    obs_names, members = [], []
    for no, line in blocks.get("groups", []):
        parts = line.split()
        if len(parts) == 2:  # empty group
            obs_names.append(parts[1])
            members.append([])
            continue
        if len(parts) != 3:
            raise NetworkError(file, no, line, "expected 'index name members'", "group")
        row = []
        for tok in parts[2].split(","):
            w, _, s = tok.rpartition("*")
            try:
                member = (index_of[int(s)], float(w) if w else 1.0)
            except (ValueError, KeyError):
                raise NetworkError(file, no, line, f"bad group member {tok!r}", "group") from None
            if not math.isfinite(member[1]) or member[1] <= 0:
                raise NetworkError(file, no, line, f"group weight {w!r} of member {tok!r} is not "
                                   "a finite number > 0", "group")
            row.append(member)
        obs_names.append(parts[1])
        members.append(row)

    return ReactionNetwork(species=species, initial=np.array(initial, dtype=np.int64),
                           reactants=rcts, products=prods,
                           rate_constants=np.array(rates, dtype=np.float64),
                           observables=obs_names, observable_members=members,
                           fixed=np.array(fixed, dtype=bool), parameters=params,
                           source=str(file))


# ----------------------------------------------------------------------------- reference tool

def run_network_ssa(net_path: str | Path, t_end: float, n_steps: int, seed: int,
                    workdir: str | Path | None = None, timeout: float = 3600,
                    stats: dict | None = None, memory_limit_bytes: int | None = None):
    """BioNetGen's own SSA (``run_network -p ssa``, the command BNG2.pl's
    ``simulate({method=>"ssa"})`` runs) on a ``.net`` file.

    Returns ``(header, gdat, steps, wall_s)``: the observables table (time first),
    the event count run_network reports (``TOTAL STEPS``) and the wall time of the
    process.  ``stats`` (a dict) receives the process's wall, CPU and peak memory
    (:func:`sim.bionetgen.run_process`).  Needs the ``bionetgen`` package
    (:func:`sim.bionetgen.find_tools`).
    """
    import tempfile

    from sim.bionetgen import find_tools, read_gdat, run_process

    tools = find_tools()
    wd = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="nanokin_rn_"))
    wd.mkdir(parents=True, exist_ok=True)
    prefix = wd / f"{Path(net_path).stem}_{seed}"
    cmd = [str(tools.run_network), "-o", str(prefix), "-p", "ssa", "-h", str(int(seed)),
           "--cdat", "0", "--fdat", "0", "-g", str(net_path), str(net_path),
           repr(float(t_end) / n_steps), str(int(n_steps))]
    # run_network pauses with "edgepop:" when a species no reaction consumes gets
    # populated (BNG2.pl's on-the-fly generation); "continue" is BNG2.pl's answer
    # when the network is complete.
    out = run_process(cmd, stdin_text="continue\n" * 4096, timeout=timeout,
                      memory_limit_bytes=memory_limit_bytes)
    if stats is not None:
        stats.update(wall_s=out["wall_s"], cpu_s=out["cpu_s"], peak_mb=out["peak_mb"])
    if out["returncode"] != 0:
        raise RuntimeError(f"run_network failed ({out['returncode']}): {out['stderr'][-2000:]}")
    m = re.search(r"TOTAL STEPS:\s*(\d+)", out["stdout"] + out["stderr"])
    steps = int(m.group(1)) if m else -1
    header, data = read_gdat(f"{prefix}.gdat")
    return header, data, steps, out["wall_s"]


def write_bngl(net: ReactionNetwork, path: str | Path) -> Path:
    """Write ``net`` as a flat BNGL model BNG2.pl expands back to the same network:
    one molecule type ``S<i>()`` per species, one rule per reaction.  BNG2.pl divides a
    rule with m identical reactants by m!, so the rule rate is the ``.net`` constant
    times m! (``2*c`` for ``2A``).  Observables keep integer weights by repeating a
    pattern; a non-integer weight is refused."""
    from math import factorial
    fixed = net.fixed if net.fixed is not None else np.zeros(net.n_species, dtype=bool)
    lines = [f"# written by nanokin from {net.source or 'a reaction network'}",
             "begin model", "begin parameters"]
    for r, c in enumerate(net.rate_constants):
        lines.append(f"  k{r + 1} {float(c)!r}")
    lines += ["end parameters", "begin molecule types"]
    lines += [f"  S{i + 1}()  # {name}" for i, name in enumerate(net.species)]
    lines += ["end molecule types", "begin seed species"]
    for i, x in enumerate(net.initial):
        lines.append(f"  {'$' if fixed[i] else ''}S{i + 1}() {int(x)}")
    lines += ["end seed species", "begin observables"]
    for name, members in zip(net.observables, net.observable_members):
        pats = []
        for s, w in members:
            if w != int(w) or w < 1:
                raise ValueError(f"observable {name}: weight {w} is not a positive integer")
            pats += [f"S{s + 1}()"] * int(w)
        lines.append(f"  Molecules {name} {', '.join(pats)}" if pats else f"  Molecules {name}")
    lines += ["end observables", "begin reaction rules"]
    for r in range(net.n_reactions):
        counts: dict[int, int] = {}
        for s in net.reactants[r]:
            counts[s] = counts.get(s, 0) + 1
        sym = 1
        for m in counts.values():
            sym *= factorial(m)
        lhs = " + ".join(f"S{s + 1}()" for s in net.reactants[r]) or "0"
        rhs = " + ".join(f"S{s + 1}()" for s in net.products[r]) or "0"
        rate = f"{sym}*k{r + 1}" if sym > 1 else f"k{r + 1}"
        lines.append(f"  R{r + 1}: {lhs} -> {rhs} {rate}")
    lines += ["end reaction rules", "end model", ""]
    path = Path(path)
    path.write_text("\n".join(lines))
    return path


def run_network_ode(net_path: str | Path, t_end: float, n_steps: int,
                    rtol: float = 1e-8, atol: float = 1e-8,
                    workdir: str | Path | None = None, timeout: float = 3600):
    """BioNetGen's ODE integration (``run_network`` with CVODE, what
    ``simulate({method=>"ode"})`` runs) of a ``.net`` file: (header, gdat, wall_s)."""
    import tempfile

    from sim.bionetgen import find_tools, read_gdat, run_process

    tools = find_tools()
    wd = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="nanokin_rn_"))
    wd.mkdir(parents=True, exist_ok=True)
    prefix = wd / f"{Path(net_path).stem}_ode"
    cmd = [str(tools.run_network), "-o", str(prefix), "-p", "cvode", "-a", repr(atol),
           "-r", repr(rtol), "--cdat", "0", "--fdat", "0", "-g", str(net_path), str(net_path),
           repr(float(t_end) / n_steps), str(int(n_steps))]
    out = run_process(cmd, stdin_text="continue\n" * 4096, timeout=timeout)
    if out["returncode"] != 0:
        raise RuntimeError(f"run_network failed ({out['returncode']}): {out['stderr'][-2000:]}")
    header, data = read_gdat(f"{prefix}.gdat")
    return header, data, out["wall_s"]
