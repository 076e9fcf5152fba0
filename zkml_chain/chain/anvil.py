"""A local Anvil node (npm @foundry-rs/anvil) with a pinned hardfork, started and stopped by us.

Gas depends on the hardfork, so every node we start names it, and every gas report says it.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from .. import toolchain
from ..errors import ToolchainError
from ..hardfork import HARDFORK

log = logging.getLogger(__name__)



def anvil_binary() -> Path:
    """npm's anvil, through the toolchain resolver (node_modules, else PATH)."""
    return toolchain.find(toolchain.ANVIL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Anvil:
    """A running Anvil; use as a context manager so the process never outlives its user."""

    hardfork: str = HARDFORK
    port: int = field(default_factory=_free_port)
    chain_id: int = 31337
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Anvil:
        cmd = [str(anvil_binary()), "--port", str(self.port), "--hardfork", self.hardfork,
               "--chain-id", str(self.chain_id), "--silent", *self.extra_args]
        log.info("starting %s", " ".join(cmd))
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise ToolchainError(f"anvil exited with {self.process.returncode}: {err.strip()[:300]}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise ToolchainError(f"anvil did not answer on {self.url} within {timeout:.0f}s")

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

    def __enter__(self) -> Anvil:
        return self.start() if self.process is None else self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
