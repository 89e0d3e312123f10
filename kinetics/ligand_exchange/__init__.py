"""Site-resolved ligand exchange on M25(SR)18 clusters: a network-free stochastic simulation.

A population of clusters, each with its 18 S sites (12 core, 6 apex; see
:mod:`structures.sites`), exchanges ligands with free thiols, dithiols and a disulfide
held as concentrations (M) that every event consumes and releases.  The labelled state
space is about 10^7 configurations, so no reaction network is built: the kernel
(:func:`kernel.simulate_population`) holds the population as lists of exchangeable sites
grouped by site class and ligand, plus lists of dangling dithiol ends, and draws events
with Gillespie's direct method over those lists: an exchange is chosen from per-ligand,
per-site-class totals (a few dozen numbers recomputed exactly each event) and then a
uniform pick inside one list; ring closures from the closure weights of the dangling
ends, whose running total the kernel keeps.
The earlier layout with per-cluster propensities in binary sum trees
(:func:`kernel.simulate_population_tree`) is kept as the plain reference the tests
compare with.

Modules:

``config``       the experiment-file schema
``parameters``   the parameter table (every number of the mechanism, its kind, prior, source)
``kernel``       numba kernels (site lists, propensities, the population SSA, its sum-tree
                 reference, the batch over parameter sets)
``system``       experiment + parameter set -> kernel arrays; the rules (docstring); drivers
``observables``  compositions, mass spectrum, fractions; the reference observables
``checks``       numerical self-checks (validation rows of kind ``check``)
``plots``        the composition plot
``export``       BioNetGen-language export for NFsim
``model``        the model object (``MODEL``, the entry point ``kinetics.ligand_exchange:MODEL``)
"""
from .config import LigandExchangeConfig
from .export import write_bngl
from .kernel import (N_EXTRA_LEVELS, N_SITES, closure_weight, crosslinked_count, dangling_count,
                     exchange_weights, simulate_batch, simulate_population, tree_find_field,
                     tree_set_fields, tree_set_row, _refresh)
from .model import MODEL, LigandExchangeModel
from .observables import (EXPERIMENTS, QUICK_ENSEMBLES, REFERENCE, Snapshot, composition_labels,
                          fractions, load_reference, observe, quantity_value, reference_values, snapshot)
from .parameters import NAME, PARAMETERS
from .system import System, _label, build_system, simulate, simulate_many, site_system

__all__ = ["MODEL", "LigandExchangeModel", "LigandExchangeConfig", "PARAMETERS", "NAME",
           "build_system", "simulate", "simulate_many", "site_system", "System", "write_bngl",
           "observe", "composition_labels", "fractions", "Snapshot", "snapshot", "load_reference",
           "reference_values", "quantity_value", "REFERENCE", "EXPERIMENTS", "QUICK_ENSEMBLES",
           "simulate_population", "simulate_batch", "N_SITES", "N_EXTRA_LEVELS"]
