"""The web app's HTTP layer (FastAPI): the borrower and lender pages, their static files, the
deployment the pages read, and the local prover.

Endpoints: ``GET /`` (borrower), ``GET /lender``, ``GET /static/...``, ``GET /api/config`` (chain,
addresses, ABIs, the circuit's threshold scale; with ``--demo`` the demo accounts and application
files), ``GET /api/demo/applications/{name}`` (demo only), ``POST /api/prove`` (an application and the
wallet address -> NDJSON lines: each stage, then the proof or an error). Every request body is
capped at :data:`MAX_BODY` bytes; malformed JSON, wrong types and oversized bodies get a 4xx with a
message that names the problem and never echoes the body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from .borrower import LocalProver, RequestProblem, parse_application

STATIC = Path(str(resources.files(__package__) / "static"))
#: An application file is ~1 KB; anything near this is not one.
MAX_BODY = 64 * 1024

@dataclass(frozen=True)
class DemoAccount:
    name: str
    address: str
    application: Path | None = None  # the bureau's file for this borrower, when attested


@dataclass(frozen=True)
class Site:
    """What the pages are served for: the deployment, its chain, its prover."""

    deployment: dict[str, Any]  # the deployment file's content (addresses and ABIs)
    rpc_url: str
    prover: LocalProver
    demo: tuple[DemoAccount, ...] = field(default=())


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it passes ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def create_app(site: Site) -> FastAPI:
    app = FastAPI(title="zkml-chain lending", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    applications = {a.application.name: a.application for a in site.demo if a.application is not None}

    @app.get("/", include_in_schema=False)
    def borrower_page() -> FileResponse:
        return FileResponse(STATIC / "borrower.html")

    @app.get("/lender", include_in_schema=False)
    def lender_page() -> FileResponse:
        return FileResponse(STATIC / "lender.html")

    @app.get("/api/config")
    def config() -> dict[str, Any]:
        d = site.deployment
        return {
            "chainId": int(d["chain_id"]),
            "rpcUrl": site.rpc_url,
            "contracts": d["contracts"],
            "thresholdScale": site.prover.prover.scale,
            "demo": None if not site.demo else {
                "accounts": [{"name": a.name, "address": a.address,
                              "application": a.application.name if a.application else None} for a in site.demo],
            },
        }

    @app.get("/api/demo/applications/{name}")
    def demo_application(name: str) -> Response:
        path = applications.get(name)
        if path is None:
            return _error(404, f"no demo application named {name!r}")
        return FileResponse(path, media_type="application/json", filename=name)

    @app.post("/api/prove")
    async def prove(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, "send the application as JSON (Content-Type: application/json)")
        raw = await _body(request, MAX_BODY)
        if raw is None:
            return _error(413, f"the request body is over {MAX_BODY // 1024} KiB: not an application file")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the request body is not valid JSON")
        if not isinstance(body, dict) or set(body) != {"application", "wallet"}:
            return _error(422, 'the request must be {"application": {...}, "wallet": "0x..."}')
        if not isinstance(body["wallet"], str):
            return _error(422, "wallet must be an address string")
        try:
            application = parse_application(body["application"], site.prover.n_features)
        except RequestProblem as e:
            return _error(e.status, str(e))
        wallet = body["wallet"]

        def lines() -> Iterator[bytes]:
            for event in site.prover.prove(application, wallet):
                yield (json.dumps(event) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson",
                                 headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(404, f"{request.url.path}: no such page")

    return app
