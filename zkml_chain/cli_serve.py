"""``zkml-chain serve``: the borrower and lender web app (thin, over :mod:`zkml_chain.lending.web`)."""

from __future__ import annotations

import ipaddress
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import _friendly, _stdout_console, err
from .errors import ZkmlChainError

if TYPE_CHECKING:
    from .lending.web.app import Site


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections queue from now on, before uvicorn accepts (the URL is printed first)
    except OSError as e:
        sock.close()
        raise ZkmlChainError(f"cannot listen on {host}:{port} ({e.strerror or e}); pick another --port "
                             "(0: any free port)") from None
    return sock


@contextmanager
def _site(deployment: Path | None, rpc: str, demo: bool, out: Path, cache: Path | None) -> Iterator[Site]:
    if demo:
        from .lending.web.demo_site import demo_site

        with demo_site(out, _stdout_console(), cache) as site:
            yield site
        return
    assert deployment is not None
    from .chain.evm import Evm
    from .files import read_json
    from .lending.stack import Prover, attach_read
    from .lending.web.app import Site
    from .lending.web.borrower import LocalProver

    try:
        evm = Evm(rpc)
        evm.w3.eth.chain_id  # noqa: B018 - fail here, with the URL, when nothing answers
    except Exception as e:  # noqa: BLE001 - web3 raises many types for an unreachable node
        raise ZkmlChainError(f"no Ethereum node answers at {rpc} ({type(e).__name__}); start it or pass --rpc") from None
    d = read_json(deployment, "deployment file")
    stack, circuit = attach_read(evm, d, deployment)
    yield Site(d, rpc, LocalProver.create(Prover(circuit), stack))


@click.command(short_help="The borrower and lender web app on a local chain")
@click.option("--deployment", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A lending deployment file (`ape run lending deploy --out`).")
@click.option("--rpc", default="http://127.0.0.1:8545", show_default=True,
              help="The chain's JSON-RPC URL, for --deployment (the lender page reads it too).")
@click.option("--demo", is_flag=True,
              help="Start a local Anvil, deploy the demo pool and attest the demo borrowers; their application "
                   "files go to OUT/applications.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/serve"),
              show_default=True, help="With --demo: the models, circuit, ceremony cache and application files.")
@click.option("--ceremony-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --demo: where the ceremony's phase-1 file and initial key are cached [default: OUT/ceremony].")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on. Anything but loopback lets others on the network use this prover.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@_friendly
def serve(deployment: Path | None, rpc: str, demo: bool, out: Path, ceremony_cache: Path | None, host: str,
          port: int) -> None:
    """Serve the borrower page (/) and the lender page (/lender) for a lending pool: connect a
    wallet, load the bureau's application file, prove locally, borrow and repay; see the pool's
    liquidity, loans, models, attesters and gas. The record and salt go only to this process's
    prover: never logged, stored or sent on."""
    if demo == (deployment is not None):
        raise click.UsageError("give either --deployment FILE (a deployed pool) or --demo (a local demo pool)")
    if not _is_loopback(host):
        err.print(f"[bold yellow]warning:[/] listening on {host}: anyone who can reach this port can use this "
                  "prover and read the pages (there is no authentication); records they send reach this machine. "
                  "Use it only on a network you trust.", highlight=False)
    sock = _bind(host, port)
    # SIGTERM (a service manager, a test) stops as Ctrl-C does: through the `with`, so the chain
    # --demo started stops too. (uvicorn re-raises the signal it caught after its own shutdown;
    # this handler turns that into the exception below instead of the default kill.)
    signal.signal(signal.SIGTERM, _stop)
    try:
        _serve(sock, host, deployment, rpc, demo, out, ceremony_cache)
    except (_Stopped, KeyboardInterrupt):
        _stdout_console().print("stopped", highlight=False)


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _serve(sock: socket.socket, host: str, deployment: Path | None, rpc: str, demo: bool, out: Path,
           ceremony_cache: Path | None) -> None:
    import uvicorn

    from .lending.web.app import create_app

    with _site(deployment, rpc, demo, out, ceremony_cache) as site:
        app = create_app(site)
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{sock.getsockname()[1]}"
        _stdout_console().print(f"serving the borrower page {url}/ and the lender page {url}/lender "
                                "(Ctrl-C stops)", highlight=False, soft_wrap=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[sock])
