"""Tools for testing circuits and the tools that read files: a forgery search (a dishonest prover
with a constraint solver), every gadget as a forgery target, file mutators and random models.

Used by the test suite (bounded) and by ``benchmarks/fuzz.py`` (at length); :mod:`.forge` is
useful for checking your own circuits too.
"""
