"""The demo's trusted setup: a small but real ceremony, so the pool lends on a key nobody can
forge proofs for.

Phase 1 (powers of tau, built once and cached: it depends only on the circuit's size): a fresh
accumulator, two contributions and a beacon, verified. Phase 2 for the lending circuit: the
initial key from the circuit and that file, contributions from the lender and from the bureau,
a closing beacon, verified; only then are the keys written for deployment. In production, phase
1 is a public file (Hermez, PPoT: see the README) and each phase-2 contributor runs
`zkml-chain zkey contribute` on their own machine.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..ceremony import phase1, phase2
from ..ceremony.ptau import Ptau
from ..ceremony.snarkjs import format_hash
from ..errors import ZkmlChainError
from ..files import write_bytes
from ..groth16.keys import ProvingKey
from ..keydir import R1CS_NAME, write_keys
from ..r1cs import R1CS

log = logging.getLogger(__name__)

#: The demo's beacons: in a real ceremony, a value nobody knew before the last contribution
#: (a future block hash), announced in advance, with 2^BEACON_EXP iterations of SHA-256.
PHASE1_BEACON = "0x2a63a79ac5d75edc6e8fb2d2a3b2b0a2f9b45d9ec66b2d3b8c6c1e0f1d2c3b4a"
PHASE2_BEACON = "0x6f4b2a10c1e2d3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6"
BEACON_EXP = 10

Step = Callable[[str, str, float], None]  # (name, result, start time)


@dataclass
class CeremonyRecord:
    """What the demo shows: each contribution's name and hash, per phase."""

    phase1: list[tuple[str, bytes]] = field(default_factory=list)
    phase2: list[tuple[str, bytes]] = field(default_factory=list)
    cs_hash: bytes = b""
    ptau_path: Path | None = None
    cached: bool = False


def phase1_file(power: int, cache: Path, step: Step) -> tuple[Ptau, CeremonyRecord]:
    """The cached powers-of-tau file of ``power`` (made on the first run), verified."""
    path = cache / f"demo_phase1_{power}.ptau"
    record = CeremonyRecord(ptau_path=path, cached=path.is_file())
    if not record.cached:
        t = time.perf_counter()
        ptau = phase1.new(power)
        for name in ("phase-1 participant 1", "phase-1 participant 2"):
            ptau, _ = phase1.contribute(ptau, name)
        ptau, _ = phase1.beacon(ptau, PHASE1_BEACON, BEACON_EXP, "phase-1 beacon")
        ptau.save(path)
        step("phase 1", f"powers of tau 2^{power}: two contributions and a beacon -> {path} (built once, "
             "reused by later runs)", t)
    t = time.perf_counter()
    ptau = Ptau.load(path)
    verdict = phase1.verify(ptau)
    if not verdict.ok:
        raise ZkmlChainError(f"{path}: the cached powers-of-tau file does not verify ({verdict.problem}); delete it "
                             "and run again")
    record.phase1 = [(c.name or "", c.response_hash) for c in verdict.contributions]
    step("verify phase 1", f"{len(verdict.contributions)} contributions valid"
         + (f" (cached {path})" if record.cached else ""), t)
    return ptau, record


def run_ceremony(circuit: Path, cache: Path, step: Step) -> tuple[ProvingKey, CeremonyRecord]:
    """Phase 1 (cached), then phase 2 for ``circuit``: the verified key, written into the folder."""
    r1cs = R1CS.load(circuit / R1CS_NAME)
    power = phase2.circuit_power(r1cs)
    ptau, record = phase1_file(power, cache, step)
    t = time.perf_counter()
    # The initial key depends only on the circuit and phase 1: cached too (its Lagrange points are
    # the slow part), keyed by both; the contributions below are made afresh on every run.
    digest = hashlib.sha256((circuit / R1CS_NAME).read_bytes() + ptau.contributions[-1].next_challenge).hexdigest()
    cached = cache / f"demo_initial_{digest[:16]}.zkey"
    reused = cached.is_file()
    if reused:
        pk = ProvingKey.load(cached)
    else:
        pk = phase2.initial_key(r1cs, ptau)
        write_bytes(cached, pk.to_zkey())
    init = pk
    for name in ("the lender", "the bureau"):
        pk, _ = phase2.contribute(pk, name)
    pk, _ = phase2.beacon(pk, PHASE2_BEACON, BEACON_EXP, "phase-2 beacon")
    step("phase 2", f"initial key from the circuit and phase 1{' (cached)' if reused else ''}; "
         "contributions from the lender and the bureau; a beacon", t)
    t = time.perf_counter()
    verdict = phase2.verify(r1cs, ptau, pk, initial=init)
    if not verdict.ok:
        raise ZkmlChainError(f"the phase-2 transcript does not verify: {verdict.problem}")
    record.cs_hash = verdict.cs_hash
    record.phase2 = [(c.name or "", h) for _, c, h in verdict.contributions]
    write_keys(pk, circuit)
    step("verify phase 2", f"{len(verdict.contributions)} contributions valid; this key (and only this one) "
         "goes on chain", t)
    return pk, record


def hash_lines(record: CeremonyRecord) -> list[str]:
    """Every contribution's hash, as snarkjs prints them (for the demo's transcript)."""
    lines = []
    for phase, items in (("phase 1", record.phase1), ("phase 2", record.phase2)):
        for name, h in items:
            lines.append(format_hash(h, f"{phase}, {name}:"))
    return lines
