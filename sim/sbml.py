"""SBML (Level 2/3) mass-action models -> :class:`sim.network.ReactionNetwork`.

Read with python-libsbml.  Every reaction's kinetic law must be elementary mass
action: a product of constant factors (numbers, global or local parameters,
compartment sizes; a constant denominator is allowed) and exactly the reaction's
reactant species, each to the power of its stoichiometry (``k*A*A`` or ``k*A^2`` for
``2A``).  Any other law (a difference of forward and reverse terms, Michaelis–Menten,
functions, rules that change a rate) is refused with a
:class:`sim.config.ConfigError` naming the reaction.

The constant part ``c`` becomes the rate constant in the ``.net`` convention
(propensity ``c Π x(x-1)…``), which is how BioNetGen writes SBML from a ``.net``
file (a symmetric dimerisation appears as ``0.5*k*S*S``), so a network exported by
BioNetGen and read back gives the same event statistics as the ``.net`` file.
Species amounts are molecule counts (``initialAmount``, or ``initialConcentration``
times the compartment size; initial assignments over parameters are evaluated);
boundary or constant species are held fixed.  Assignment rules that are weighted sums
of species become observables.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.config import ConfigError
from sim.network import MAX_COUNT, ReactionNetwork

__all__ = ["read_sbml"]

_ALLOWED_LAW = ("elementary mass action: constant factors (numbers, parameters, compartment "
                "sizes) times the reactant species, each to the power of its stoichiometry")


def _lib():
    try:
        import libsbml
    except ImportError:
        raise ConfigError(None, None, "python-libsbml", "pip install python-libsbml",
                          "reading SBML needs the python-libsbml package") from None
    return libsbml


def _value(node, names, libsbml):
    """Numeric value of a constant AST (numbers, names in ``names``, + - * / ^)."""
    t = node.getType()
    if node.isNumber():
        return float(node.getValue())
    if t == libsbml.AST_NAME:
        name = node.getName()
        if name not in names:
            raise KeyError(name)
        return float(names[name])
    kids = [_value(node.getChild(i), names, libsbml) for i in range(node.getNumChildren())]
    if t == libsbml.AST_TIMES:
        return math.prod(kids)
    if t == libsbml.AST_PLUS:
        return sum(kids)
    if t == libsbml.AST_MINUS:
        return -kids[0] if len(kids) == 1 else kids[0] - kids[1]
    if t == libsbml.AST_DIVIDE:
        if kids[1] == 0:
            raise ValueError("division by zero")
        return kids[0] / kids[1]
    if t in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        return kids[0] ** kids[1]
    raise ValueError(f"unsupported element {libsbml.formulaToL3String(node)!r}")


def _mass_action(node, species, consts, libsbml):
    """(constant factor, {species: power}) of a product, or ValueError."""
    t = node.getType()
    if t == libsbml.AST_NAME and node.getName() in species:
        return 1.0, {node.getName(): 1}
    if t == libsbml.AST_TIMES:
        c, pw = 1.0, {}
        for i in range(node.getNumChildren()):
            ci, pi = _mass_action(node.getChild(i), species, consts, libsbml)
            c *= ci
            for s, m in pi.items():
                pw[s] = pw.get(s, 0) + m
        return c, pw
    if t in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        base, ex = node.getChild(0), node.getChild(1)
        if base.getType() == libsbml.AST_NAME and base.getName() in species:
            e = _value(ex, consts, libsbml)
            if e != int(e) or e < 1:
                raise ValueError(f"species {base.getName()} to the power {e:g}")
            return 1.0, {base.getName(): int(e)}
    if t == libsbml.AST_DIVIDE:
        c, pw = _mass_action(node.getChild(0), species, consts, libsbml)
        d = _value(node.getChild(1), consts, libsbml)   # a species here raises KeyError
        if d == 0:
            raise ValueError("division by zero")
        return c / d, pw
    return _value(node, consts, libsbml), {}


def _linear_sum(node, species, libsbml):
    """{species: weight} of a sum of (weight *) species, or None."""
    t = node.getType()
    if t == libsbml.AST_NAME and node.getName() in species:
        return {node.getName(): 1.0}
    if t == libsbml.AST_PLUS:
        out = {}
        for i in range(node.getNumChildren()):
            kid = node.getChild(i)
            if kid.isNumber() and kid.getValue() == 0:   # BioNetGen writes "0 + S9"
                continue
            part = _linear_sum(kid, species, libsbml)
            if part is None:
                return None
            for s, w in part.items():
                out[s] = out.get(s, 0.0) + w
        return out
    if t == libsbml.AST_TIMES and node.getNumChildren() == 2:
        a, b = node.getChild(0), node.getChild(1)
        if a.isNumber() and b.getType() == libsbml.AST_NAME and b.getName() in species:
            return {b.getName(): float(a.getValue())}
    return None


def read_sbml(path: str | Path) -> ReactionNetwork:
    """Parse an SBML file of mass-action reactions (see the module text)."""
    libsbml = _lib()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, None, str(path), "an SBML file",
                          "is a directory" if path.is_dir() else "file not found")
    doc = libsbml.readSBMLFromFile(str(path))
    errors = [doc.getError(i) for i in range(doc.getNumErrors())
              if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    model = doc.getModel()
    if errors or model is None:
        msg = errors[0].getMessage().strip().splitlines()[0] if errors else "no model element"
        line = errors[0].getLine() if errors else None
        raise ConfigError(path, f"line {line}" if line else None, str(path),
                          "an SBML Level 2 or 3 document", f"not valid SBML: {msg}")

    consts: dict[str, float] = {}
    for c in model.getListOfCompartments():
        consts[c.getId()] = c.getSize() if c.isSetSize() else 1.0
    for p in model.getListOfParameters():
        if p.isSetValue():
            consts[p.getId()] = p.getValue()
    ids = [s.getId() for s in model.getListOfSpecies()]
    index = {s: i for i, s in enumerate(ids)}
    init_assign = {a.getSymbol(): a.getMath() for a in model.getListOfInitialAssignments()}
    for sym, math_ in init_assign.items():
        if sym in consts:
            try:
                consts[sym] = _value(math_, consts, libsbml)
            except (KeyError, ValueError, OverflowError) as exc:
                raise ConfigError(path, f"initialAssignment '{sym}'", sym,
                                  "an expression of parameters", f"cannot evaluate: {exc}") from None
    initial, fixed, names = [], [], []
    for s in model.getListOfSpecies():
        sid = s.getId()
        if sid in init_assign:
            try:
                amount = _value(init_assign[sid], consts, libsbml)
            except (KeyError, ValueError, OverflowError) as exc:
                raise ConfigError(path, f"species '{sid}'", sid, "an expression of parameters",
                                  f"cannot evaluate the initial assignment: {exc}") from None
        elif s.isSetInitialAmount():
            amount = s.getInitialAmount()
        elif s.isSetInitialConcentration():
            amount = s.getInitialConcentration() * consts.get(s.getCompartment(), 1.0)
        else:
            amount = 0.0
        if not math.isfinite(amount) or amount < 0 or amount > MAX_COUNT:
            raise ConfigError(path, f"species '{sid}'", amount,
                              f"a molecule count 0 <= n <= {MAX_COUNT:.0e}", "bad initial amount")
        initial.append(int(round(amount)))
        fixed.append(bool(s.getBoundaryCondition() or s.getConstant()))
        names.append(s.getName() or sid)

    species_set = set(ids)
    rcts, prods, rates = [], [], []
    for r in model.getListOfReactions():
        rid = r.getId()
        kl = r.getKineticLaw()
        formula = libsbml.formulaToL3String(kl.getMath()) if kl and kl.getMath() else ""

        def refuse(problem):
            return ConfigError(path, f"reaction '{rid}'", formula, _ALLOWED_LAW, problem)

        if kl is None or kl.getMath() is None:
            raise refuse("no kinetic law")
        local = dict(consts)
        for p in kl.getListOfParameters():
            local[p.getId()] = p.getValue()
        if hasattr(kl, "getListOfLocalParameters"):
            for p in kl.getListOfLocalParameters():
                local[p.getId()] = p.getValue()
        stoich = {}
        for ref in r.getListOfReactants():
            st = ref.getStoichiometry()
            if st != int(st) or st < 0:
                raise refuse(f"non-integer stoichiometry {st:g} of {ref.getSpecies()}")
            stoich[ref.getSpecies()] = stoich.get(ref.getSpecies(), 0) + int(st)
        try:
            c, powers = _mass_action(kl.getMath(), species_set, local, libsbml)
        except KeyError as exc:
            raise refuse(f"{exc.args[0]!r} is neither a constant nor a reactant in a "
                         "product (a species in a denominator, a modifier or a "
                         "time-dependent quantity)") from None
        except (ValueError, OverflowError) as exc:
            raise refuse(f"not mass action ({exc})") from None
        if powers != {s: m for s, m in stoich.items() if m > 0}:
            raise refuse(f"the law's species powers {powers} differ from the reactant "
                         f"stoichiometry {stoich}")
        if not math.isfinite(c) or c < 0:
            raise refuse(f"rate constant {c:g} is not finite and >= 0")
        rt = tuple(index[s] for s, m in sorted(stoich.items()) for _ in range(m))
        pt = []
        for ref in r.getListOfProducts():
            st = ref.getStoichiometry()
            if st != int(st) or st < 0:
                raise refuse(f"non-integer stoichiometry {st:g} of {ref.getSpecies()}")
            pt += [index[ref.getSpecies()]] * int(st)
        rcts.append(rt)
        prods.append(tuple(pt))
        rates.append(c)

    obs, members = [], []
    for rule in model.getListOfRules():
        if rule.isAssignment() and rule.getVariable() not in species_set:
            part = _linear_sum(rule.getMath(), species_set, libsbml)
            if part:
                obs.append(rule.getVariable())
                members.append(sorted((index[s], w) for s, w in part.items()))
        elif rule.getVariable() in species_set:
            raise ConfigError(path, f"rule for '{rule.getVariable()}'", rule.getVariable(),
                              "species changed only by reactions",
                              "a rule sets a species amount")
    return ReactionNetwork(species=names, initial=np.array(initial, dtype=np.int64),
                           reactants=rcts, products=prods,
                           rate_constants=np.array(rates, dtype=np.float64),
                           observables=obs, observable_members=members,
                           fixed=np.array(fixed, dtype=bool), parameters=consts,
                           source=str(path))


def write_sbml(net: ReactionNetwork, path: str | Path) -> Path:
    """Write ``net`` as SBML Level 3 Version 1: species ``S1..Sn`` (amounts, names kept),
    one compartment of size 1, each reaction with the mass-action law ``c * Π S`` (``c``
    in the ``.net`` convention, as BioNetGen writes it) and observables as assignment
    rules; :func:`read_sbml` reads it back to the same network."""
    libsbml = _lib()
    doc = libsbml.SBMLDocument(3, 1)
    m = doc.createModel()
    m.setId("nanokin_network")
    c = m.createCompartment()
    c.setId("cell"), c.setSize(1.0), c.setConstant(True), c.setSpatialDimensions(3)
    fixed = net.fixed if net.fixed is not None else np.zeros(net.n_species, dtype=bool)
    for i, (name, x) in enumerate(zip(net.species, net.initial)):
        s = m.createSpecies()
        s.setId(f"S{i + 1}"), s.setName(name), s.setCompartment("cell")
        s.setInitialAmount(float(x)), s.setHasOnlySubstanceUnits(True)
        s.setBoundaryCondition(bool(fixed[i])), s.setConstant(bool(fixed[i]))
    for r in range(net.n_reactions):
        rx = m.createReaction()
        rx.setId(f"R{r + 1}"), rx.setReversible(False), rx.setFast(False)
        for group, add in ((net.reactants[r], rx.createReactant),
                           (net.products[r], rx.createProduct)):
            counts = {}
            for s in group:
                counts[s] = counts.get(s, 0) + 1
            for s, n in sorted(counts.items()):
                ref = add()
                ref.setSpecies(f"S{s + 1}"), ref.setStoichiometry(n), ref.setConstant(True)
        factors = [repr(float(net.rate_constants[r]))] + [f"S{s + 1}" for s in net.reactants[r]]
        kl = rx.createKineticLaw()
        kl.setMath(libsbml.parseL3Formula(" * ".join(factors)))
    for name, members in zip(net.observables, net.observable_members):
        p = m.createParameter()
        p.setId(name), p.setConstant(False), p.setValue(0.0)
        rule = m.createAssignmentRule()
        rule.setVariable(name)
        terms = [f"S{s + 1}" if w == 1 else f"{w!r} * S{s + 1}" for s, w in members] or ["0"]
        rule.setMath(libsbml.parseL3Formula(" + ".join(terms)))
    path = Path(path)
    if not libsbml.writeSBMLToFile(doc, str(path)):
        raise OSError(f"could not write {path}")
    return path
