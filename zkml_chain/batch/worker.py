"""One batch worker's side: the key folder, loaded once, and a proof per item.

Nothing here knows about Ray (``ray_pool`` hosts a :class:`FolderProver` in each actor), so the
proving path is the `prove` command's: a compiled model's witness from its input object, or a
circom .wtns, proved with the folder's mapped key and checked before it is returned.

A worker uses the folder in place when it sees the same files the driver packed (same machine,
or a shared file system); otherwise it writes the packed files to a private temporary folder once.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ZkmlChainError
from ..files import json_bytes, sha256_file
from ..keydir import R1CS_NAME, VK_NAME, ZKEY_NAME
from .items import OUTPUT, PROOF, PUBLIC

log = logging.getLogger(__name__)

#: The compiled model's own files (circuit.json names the ONNX file).
_CIRCUIT_JSON = "circuit.json"


@dataclass(frozen=True)
class KeyFolder:
    """What every worker needs: the folder's path on the driver, the names and SHA-256s of the
    files proving reads, and whether items are model inputs or circom witnesses."""

    path: str
    digests: dict[str, str]
    witnesses: bool  # True: items are .wtns bytes, the folder is any snarkjs Groth16 key folder

    @classmethod
    def scan(cls, folder: Path, witnesses: bool) -> KeyFolder:
        """The files a proof reads in ``folder``; raises (before any worker starts) when one is missing."""
        if not (folder / ZKEY_NAME).is_file():
            raise ZkmlChainError(f"{folder} has no {ZKEY_NAME}: run `zkml-chain setup {folder}` first")
        names = [ZKEY_NAME]
        if witnesses:
            names += [n for n in (R1CS_NAME, VK_NAME) if (folder / n).is_file()]
        else:
            from ..onnx.compiled import CompiledModel

            model = CompiledModel.load(folder)  # checks circuit.json, the model and the r1cs
            model.proving_key  # noqa: B018 - checks the key belongs to this circuit
            names += [_CIRCUIT_JSON, model.info["model"], R1CS_NAME]
        return cls(str(folder.resolve()), {n: sha256_file(folder / n) for n in names}, witnesses)

    def read(self) -> dict[str, bytes]:
        return {n: (Path(self.path) / n).read_bytes() for n in self.digests}


@dataclass
class Result:
    """An item's proof files, or why it has none."""

    index: int
    files: dict[str, bytes] | None
    error: str | None
    seconds: float


@dataclass
class FolderProver:
    """A key folder loaded once; :meth:`prove` makes one item's files."""

    key: KeyFolder
    fetch: Callable[[], Mapping[str, bytes]]  # the packed files, called only if the folder is not here
    threads: int = 0
    folder: Path = field(init=False)
    _tmp: Path | None = field(init=False, default=None)
    _model: Any = field(init=False, default=None)
    _pk: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        from .. import _native

        if self.threads:
            _native.set_num_threads(self.threads)
        here = Path(self.key.path)
        if all((here / n).is_file() and sha256_file(here / n) == d for n, d in self.key.digests.items()):
            self.folder = here
        else:
            self._tmp = Path(tempfile.mkdtemp(prefix="zkml-batch-"))
            for name, data in self.fetch().items():
                (self._tmp / name).write_bytes(data)
            self.folder = self._tmp
            log.info("worker: key folder copied to %s (not visible here at %s)", self._tmp, here)
        if self.key.witnesses:
            from ..groth16.mapped import MappedProvingKey

            self._pk = MappedProvingKey.load(self.folder / ZKEY_NAME)
        else:
            from ..onnx.compiled import CompiledModel

            self._model = CompiledModel.load(self.folder)
            self._pk = self._model.proving_key

    def prove(self, index: int, payload: Any, source: str) -> Result:
        """Item ``index``'s proof.json, public.json (and output.json); an error message, never an
        exception, for an input that cannot be proved."""
        t0 = time.perf_counter()
        try:
            files = self._prove(payload, source)
        except ZkmlChainError as e:
            return Result(index, None, str(e), time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - one item's failure is reported, the batch goes on
            log.exception("item %d", index)
            return Result(index, None, f"{source}: internal error ({type(e).__name__}: {e})", time.perf_counter() - t0)
        return Result(index, files, None, time.perf_counter() - t0)

    def _prove(self, payload: Any, source: str) -> dict[str, bytes]:
        if self.key.witnesses:
            from ..groth16 import prove
            from ..witness import Witness

            circuit = self.folder / R1CS_NAME
            proof, public = prove(self._pk, Witness.from_wtns(payload, Path(source)),
                                  circuit=circuit if circuit.is_file() else None)
            return {PROOF: json_bytes(proof.to_snarkjs()), PUBLIC: json_bytes([str(v) for v in public])}
        proved = self._model.prove(payload, source)
        return {PROOF: json_bytes(proved.proof.to_snarkjs()), PUBLIC: json_bytes([str(v) for v in proved.public]),
                OUTPUT: json_bytes(proved.outputs)}

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
