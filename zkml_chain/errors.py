"""Typed errors: one root, one subclass per stage, messages built from typed fields.

Every error a user can cause (bad files, bad values, a witness that breaks a constraint) is a
:class:`ZkmlChainError`; the CLI turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ZkmlChainError(Exception):
    """Root of every error zkml-chain raises on purpose."""


class FileFormatError(ZkmlChainError):
    """A binary or JSON artifact is malformed (wrong magic, truncated, inconsistent)."""

    def __init__(self, path: Path | str | None, detail: str, offset: int | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.detail = detail
        self.offset = offset
        where = str(self.path) if self.path is not None else "<data>"
        if offset is not None:
            where += f" at byte {offset}"
        super().__init__(f"{where}: {detail}")


class FieldRangeError(ZkmlChainError):
    """A value that must be a field element is negative or not below the modulus."""

    def __init__(self, what: str, index: int | None, modulus_name: str = "r") -> None:
        self.what = what
        self.index = index
        at = f" (element {index})" if index is not None else ""
        super().__init__(f"{what}{at} is not a field element: it must satisfy 0 <= value < {modulus_name}")


class PointError(ZkmlChainError):
    """A curve point is off the curve, outside the prime-order subgroup, or has coordinates >= q."""

    def __init__(self, what: str, index: int | None = None) -> None:
        self.what = what
        self.index = index
        at = f" (element {index})" if index is not None else ""
        super().__init__(
            f"{what}{at} is not a valid curve point "
            "(coordinate >= q, not on the curve, or not in the prime-order subgroup)"
        )


class WitnessError(ZkmlChainError):
    """A witness does not fit its circuit (length, constant wire)."""


@dataclass(frozen=True)
class UnsatisfiedConstraint:
    """Where a witness fails: the constraint index and a human label."""

    index: int
    label: str


class ConstraintError(WitnessError):
    """The witness violates a constraint; ``failure`` names the first one."""

    def __init__(self, failure: UnsatisfiedConstraint, n_failing: int) -> None:
        self.failure = failure
        self.n_failing = n_failing
        more = f" ({n_failing - 1} more constraints fail too)" if n_failing > 1 else ""
        super().__init__(f"witness violates constraint {failure.index}: {failure.label}{more}")


class KeyMaterialError(ZkmlChainError):
    """A proving or verifying key is unusable for the requested operation."""


class ProofInputError(ZkmlChainError):
    """A proof or its public signals are malformed (not merely invalid)."""


class ToolchainError(ZkmlChainError):
    """An external tool (snarkjs, circom, solc, anvil) is missing or failed."""
