"""A local development chain we start and stop ourselves, with a pinned hardfork.

Gas depends on the hardfork, so every node we start names it, and every gas report says it.
:class:`~zkml_chain.chain.anvil.Anvil` and :class:`~zkml_chain.chain.hardhat.Hardhat` differ only in
the command line (and Hardhat's generated config); both serve Anvil's and Hardhat's shared
development accounts (the "test ... junk" mnemonic, 10,000 ETH each) on chain id 31337.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from ..errors import ToolchainError
from ..hardfork import HARDFORK

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalNode:
    """A running local chain on 127.0.0.1; use as a context manager so the process never outlives
    its user. Subclasses give the command line."""

    title: ClassVar[str] = "node"
    hardfork: str = HARDFORK
    port: int = field(default_factory=free_port)
    chain_id: int = 31337
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None  # a scratch folder for the node's log (and config), removed on stop

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> str:
        """What a report names: e.g. "Anvil http://127.0.0.1:8545 (hardfork prague)"."""
        return f"{self.title} {self.url} (hardfork {self.hardfork})"

    def command(self, workdir: Path) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 60.0) -> LocalNode:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"zkml-{self.title.lower()}-"))
        try:
            cmd = self.command(self.workdir)
        except BaseException:
            self._cleanup()
            raise
        log.info("starting %s", " ".join(cmd))
        stderr = (self.workdir / "stderr.log").open("wb")
        # the node's own output goes to a file, not a pipe nobody reads (a full pipe would stall it)
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr, cwd=self.workdir)
        stderr.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (self.workdir / "stderr.log").read_text(errors="replace").strip()
                code = self.process.returncode
                self.stop()
                raise ToolchainError(f"{self.title} exited with {code}: {err[:400]}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise ToolchainError(f"{self.title} did not answer on {self.url} within {timeout:.0f}s")

    def _answers(self) -> bool:
        req = urllib.request.Request(self.url, data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=0.5) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> LocalNode:
        return self.start() if self.process is None else self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
