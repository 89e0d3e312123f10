"""Photodoping: photochemical accumulation of electrons on a nanoparticle under steady light.

A particle of diameter D holds N_s acceptor states: for MIL-125 the Ti8O8(OH)4 nodes
(at the crystal's node density, :mod:`structures.frameworks`) times the number of
H+-e- pairs a node can store; for an oxide nanocrystal the conduction band up to a
capacity density.  The state of one particle is the number n of stored electrons
(charge-compensated by protons from the hole quencher).  Light absorption, the
charging yield (hole quenching against recombination and Auger-type losses) and a
Butler-Volmer back reaction give the birth and death rates of a birth-death chain
(:mod:`.rates`); the Fermi level E_F(n) comes from the node ladder or the conduction
band (:mod:`.thermo`).  P(n, t) follows the master equation or a kinetic Monte Carlo
over a size distribution (:mod:`.solve`); the photostationary E_oc plateau comes from
detailed balance, compiled for many parameter sets at once (:mod:`.kernel`).

Modules: ``config`` (experiment-file schema), ``parameters`` (the parameter table),
``thermo``, ``rates``, ``solve``, ``kernel``, ``observables`` (chemist quantities and
the reference observables), ``checks`` (self-checks), ``plots``, ``model``.

Calibrated (``nanokin fit photodoping``): the back reaction's k0 and transfer
coefficient, the Auger-type loss k_A; nuisance: irradiance and colloid concentration of
the seed-000 runs (not reported).  Reference experiment: Fabrizio et al., Chem. Sci.
2023, 14, 8946 (seed 000): MIL-125 nanoparticles in methanol under a 308 nm LED; E_oc
plateaus -0.89 / -0.95 / -0.97 V vs Fc+/0 for 25 / 87 / 495 nm; doping complete at
~60 min; an intermediate state with ~4 H+-e- pairs per node; Ti3+ d-d bands at 16 400
and 20 200 cm^-1.
"""
from kinetics.photodoping.model import MODEL, PhotodopingModel
from kinetics.photodoping.parameters import TABLE

__all__ = ["MODEL", "PhotodopingModel", "TABLE"]
