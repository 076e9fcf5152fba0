"""The borrower and lender web app in a real browser: `zkml-chain serve --demo` (a local Anvil, the
demo pool, Alice and Carol attested) driven by headless Chromium (Debian's chromium and
chromium-driver, which `make test` installs when missing) through Selenium.

The wallet is the demo wallet (static/demo-wallet.js): an EIP-1193 provider backed by Anvil's
unlocked test accounts, which the page offers only when served with --demo. Screenshots of the
main steps go to build/screenshots/ (two of them are in the README).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = [pytest.mark.chain, pytest.mark.prove, pytest.mark.slow]

SHOTS = ROOT / "build" / "screenshots"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


class Server:
    def __init__(self, proc: subprocess.Popen[str], url: str, out: Path, log: list[str]) -> None:
        self.proc, self.url, self.out, self.log = proc, url, out, log

    def config(self) -> dict:
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/api/config", timeout=10) as r:
            return json.loads(r.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, ceremony_cache: Path) -> Iterator[Server]:
    out = tmp_path_factory.mktemp("serve")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "zkml-chain"), "serve", "--demo", "--out", str(out),
                             "--ceremony-cache", str(ceremony_cache), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r"borrower page (http://127\.0\.0\.1:\d+)/", line)
            if m:
                url.append(m.group(1))
                found.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not found.wait(900) or proc.poll() is not None:
            pytest.fail("zkml-chain serve --demo did not start:\n" + "".join(lines))
        yield Server(proc, url[0], out, lines)
    finally:  # the last test stops it itself; otherwise (a failure) its whole process group goes
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None or DRIVER is None:
        pytest.fail("chromium and chromedriver are missing: `make test` installs them (Debian: apt-get install "
                    "chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1500",
                "--disable-gpu", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, condition, timeout: float = 60, what: str = "") -> object:  # noqa: ANN001
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception:
        text = driver.find_element("tag name", "main").text
        raise AssertionError(f"timed out waiting for {what}; the page shows:\n{text}") from None


def by_id(driver, element_id: str):  # noqa: ANN001, ANN201
    return driver.find_element("id", element_id)


def text_of(driver, element_id: str) -> str:  # noqa: ANN001
    return str(by_id(driver, element_id).text)


def status_is(driver, element_id: str, kind: str, needle: str) -> bool:  # noqa: ANN001
    el = by_id(driver, element_id)
    return kind in (el.get_attribute("class") or "").split() and needle in el.text


def console_errors(driver) -> list[str]:  # noqa: ANN001
    """SEVERE browser console entries (JavaScript errors, failed loads) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def open_borrower(driver, server: Server, account: str) -> None:  # noqa: ANN001
    from selenium.webdriver.support.ui import Select

    driver.get(server.url + "/")
    wait_for(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "true", 30, "the page")
    Select(by_id(driver, "demo-account")).select_by_visible_text(
        next(o.text for o in Select(by_id(driver, "demo-account")).options if o.text.startswith(account)))
    by_id(driver, "connect").click()
    wait_for(driver, lambda d: text_of(d, "nonce") != "–", 30, "the account's figures")


def load_file(driver, path: Path) -> None:  # noqa: ANN001
    loads = by_id(driver, "application").get_attribute("data-loads") or "0"
    by_id(driver, "application").send_keys(str(path))
    wait_for(driver, lambda d: (by_id(d, "application").get_attribute("data-loads") or "0") != loads, 30,
             "the file to load")


def prove(driver) -> None:  # noqa: ANN001
    by_id(driver, "prove").click()
    wait_for(driver, lambda d: (by_id(d, "prove-status").get_attribute("class") or "").split()[-1] in ("ok", "error")
             and text_of(d, "prove-status"), 120, "the prover")


def test_alice_connects_proves_borrows_and_repays(server: Server, browser) -> None:  # noqa: ANN001
    from web3 import Web3

    config = server.config()
    w3 = Web3(Web3.HTTPProvider(config["rpcUrl"]))
    token = w3.eth.contract(address=config["contracts"]["token"]["address"], abi=config["contracts"]["token"]["abi"])
    pool = w3.eth.contract(address=config["contracts"]["pool"]["address"], abi=config["contracts"]["pool"]["abi"])
    alice = next(a for a in config["demo"]["accounts"] if a["name"] == "Alice")["address"]
    assert pool.functions.debtOf(alice).call() == 0 and token.functions.balanceOf(alice).call() == 0

    d = browser
    open_borrower(d, server, "Alice")
    assert text_of(d, "account") == alice and text_of(d, "chain") == "31337"
    assert text_of(d, "nonce") == "0" and text_of(d, "debt") == "0 dUSD"
    assert text_of(d, "policy") == f"p(good) ≥ {pool.functions.minThreshold().call() / 2**config['thresholdScale']:.3f}"
    load_file(d, server.out / "applications" / "alice.json")
    wait_for(d, lambda d: "valid until" in text_of(d, "app-attestation"), 30, "the attestation")
    assert by_id(d, "prove").is_enabled() and not by_id(d, "borrow").is_enabled()
    d.save_screenshot(str(SHOTS / "1-application-loaded.png"))

    prove(d)
    assert status_is(d, "prove-status", "ok", "Proof ready"), text_of(d, "prove-status")
    assert re.search(r"\d+\.\d\d s", text_of(d, "prove-progress"))  # the time is shown
    d.save_screenshot(str(SHOTS / "2-proved.png"))

    # over the pool's per-borrower limit: the revert is named, nothing is lent
    by_id(d, "borrow-amount").clear()
    by_id(d, "borrow-amount").send_keys("6000")
    by_id(d, "borrow").click()
    wait_for(d, lambda d: status_is(d, "loan-status", "error", "DebtLimitExceeded"), 60, "the pool's refusal")
    assert "the pool refused: DebtLimitExceeded(" in text_of(d, "loan-status")
    assert pool.functions.debtOf(alice).call() == 0

    by_id(d, "borrow-amount").clear()
    by_id(d, "borrow-amount").send_keys("500")
    by_id(d, "borrow").click()
    wait_for(d, lambda d: status_is(d, "loan-status", "ok", "Borrowed 500 dUSD"), 60, "the loan")
    wait_for(d, lambda d: text_of(d, "debt") == "500 dUSD", 30, "the debt to update")
    assert text_of(d, "nonce") == "1" and text_of(d, "balance") == "500 dUSD"
    assert pool.functions.debtOf(alice).call() == 500 * 10**18 and pool.functions.nonceOf(alice).call() == 1
    assert not by_id(d, "borrow").is_enabled()  # the proof is spent: a new borrow needs a new proof
    d.save_screenshot(str(SHOTS / "3-borrowed.png"))

    by_id(d, "repay-amount").clear()
    by_id(d, "repay-amount").send_keys("200")
    by_id(d, "repay").click()
    wait_for(d, lambda d: status_is(d, "loan-status", "ok", "Repaid 200 dUSD"), 60, "the repayment")
    wait_for(d, lambda d: text_of(d, "debt") == "300 dUSD", 30, "the debt to update")
    assert pool.functions.debtOf(alice).call() == 300 * 10**18 and token.functions.balanceOf(alice).call() == 300 * 10**18
    assert console_errors(d) == []


def test_refusals_are_clear_messages(server: Server, browser, tmp_path: Path) -> None:  # noqa: ANN001
    d = browser
    # Carol's score is below the policy: the prover finds no proof
    open_borrower(d, server, "Carol")
    load_file(d, server.out / "applications" / "carol.json")
    prove(d)
    assert status_is(d, "prove-status", "error", "no proof of this claim exists"), text_of(d, "prove-status")
    assert "below the threshold" in text_of(d, "prove-status") and not by_id(d, "borrow").is_enabled()
    d.save_screenshot(str(SHOTS / "4-carol-refused.png"))

    # Alice's file with one feature changed: the commitment no longer matches
    alice = json.loads((server.out / "applications" / "alice.json").read_text())
    alice["features"][0] += 1
    tampered = tmp_path / "alice-tampered.json"
    tampered.write_text(json.dumps(alice))
    open_borrower(d, server, "Alice")
    load_file(d, tampered)
    prove(d)
    assert status_is(d, "prove-status", "error", "the application file was altered"), text_of(d, "prove-status")

    # not JSON at all: refused in the page, before anything is sent
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    load_file(d, junk)
    assert status_is(d, "app-status", "error", "not JSON") and not by_id(d, "prove").is_enabled()

    # Carol's file with Alice connected: the prover refuses another address's application
    load_file(d, server.out / "applications" / "carol.json")
    assert status_is(d, "app-status", "warn", "issued to")
    prove(d)
    assert status_is(d, "prove-status", "error", "this application was issued to"), text_of(d, "prove-status")

    # the bureau revokes Carol's attestation: the page shows it, the prover refuses before proving
    from web3 import Web3

    config = server.config()
    w3 = Web3(Web3.HTTPProvider(config["rpcUrl"]))
    reg = w3.eth.contract(address=config["contracts"]["attestations"]["address"],
                          abi=config["contracts"]["attestations"]["abi"])
    carol = next(a for a in config["demo"]["accounts"] if a["name"] == "Carol")["address"]
    w3.eth.wait_for_transaction_receipt(reg.functions.revoke(carol).transact({"from": w3.eth.accounts[1]}))
    open_borrower(d, server, "Carol")
    load_file(d, server.out / "applications" / "carol.json")
    assert "not usable revoked by the bureau" in text_of(d, "app-attestation")
    prove(d)
    assert status_is(d, "prove-status", "error", "the bureau revoked this attestation"), text_of(d, "prove-status")

    # the wallet on another chain: named, and every action is disabled
    d.execute_script("""
        const real = window.ethereum.request.bind(window.ethereum);
        window.ethereum.request = (args) => args.method === "eth_chainId" ? Promise.resolve("0x1") : real(args);
        window.ethereum.selectAccount(document.getElementById("account").textContent);""")
    wait_for(d, lambda d: status_is(d, "wallet-status", "error", "on chain 1; this pool is on chain 31337"), 30,
             "the wrong-chain message")
    assert not any(by_id(d, b).is_enabled() for b in ("prove", "borrow", "repay"))
    assert console_errors(d) == []


def test_lender_page_shows_the_pool_as_the_chain_has_it(server: Server, browser) -> None:  # noqa: ANN001
    from web3 import Web3

    config = server.config()
    w3 = Web3(Web3.HTTPProvider(config["rpcUrl"]))
    c = {n: w3.eth.contract(address=v["address"], abi=v["abi"]) for n, v in config["contracts"].items()}
    pool = c["pool"]
    borrows = pool.events.Borrowed().get_logs(from_block=0)
    repays = pool.events.Repaid().get_logs(from_block=0)
    assert len(borrows) == 3 and len(repays) == 1  # Bob and Dave (seeded), Alice (the first test)
    liquidity = c["token"].functions.balanceOf(pool.address).call()
    debt = sum(pool.functions.debtOf(a).call() for a in {e.args.borrower for e in borrows})

    d = browser
    d.get(server.url + "/lender")
    wait_for(d, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "true", 60, "the lender page")
    assert text_of(d, "liquidity") == f"{liquidity // 10**18:,} dUSD"
    assert text_of(d, "outstanding") == f"{debt // 10**18:,} dUSD" == "2,300 dUSD"
    assert text_of(d, "loan-count") == "3"
    rows = d.find_elements("css selector", "#loans tbody tr")
    assert len(rows) == len(borrows) + len(repays)
    gas = [w3.eth.get_transaction_receipt(e.transactionHash)["gasUsed"] for e in borrows]
    assert [r.find_elements("tag name", "td")[4].text for r in rows if "borrowed" in r.text] == [f"{g:,}" for g in gas]
    bars = d.find_elements("css selector", "#gas-chart svg rect")
    assert len(bars) == len(borrows)
    models = d.find_element("id", "models").text
    assert "german-credit-mlp" in models and "active" in models and "this pool's model" in models
    bureau = w3.eth.accounts[1]
    assert d.find_element("id", "attesters").text.split() == [bureau]
    d.save_screenshot(str(SHOTS / "5-lender.png"))
    assert console_errors(d) == []


def test_serve_attaches_to_a_deployment_on_a_running_node(server: Server, tmp_path: Path) -> None:
    """Without --demo: the deployment file and the node's URL, as for a pool deployed with Ape; the
    same pool and chain, and the prover works (the page's wallet would send the borrow)."""
    import urllib.request

    config = server.config()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "zkml-chain"), "serve", "--deployment",
                             str(server.out / "deployment.json"), "--rpc", config["rpcUrl"], "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"borrower page (http://127\.0\.0\.1:\d+)/", line)
        assert m, line + proc.stdout.read()
        with urllib.request.urlopen(f"{m.group(1)}/api/config", timeout=10) as r:
            attached = json.loads(r.read())
        assert attached["contracts"] == config["contracts"] and attached["demo"] is None
        app = json.loads((server.out / "applications" / "alice.json").read_text())
        req = urllib.request.Request(f"{m.group(1)}/api/prove", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"application": app, "wallet": app["borrower"]}).encode())
        with urllib.request.urlopen(req, timeout=120) as r:
            last = json.loads(r.read().decode().splitlines()[-1])
        assert len(last["proof"]) == 8 and last["nonce"] == 1, last  # Alice borrowed once in the first test
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0


def test_serve_refuses_bad_requests_and_stops_its_chain(server: Server) -> None:
    import urllib.error
    import urllib.request

    def post(body: bytes, ctype: str = "application/json") -> tuple[int, str]:
        req = urllib.request.Request(f"{server.url}/api/prove", data=body, headers={"Content-Type": ctype})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    assert post(b"{nope") == (400, '{"error":"the request body is not valid JSON"}')
    assert post(b"[]")[0] == 422
    assert post(json.dumps({"application": {"borrower": "0x12"}, "wallet": "0x12"}).encode())[0] == 422
    app = json.loads((server.out / "applications" / "alice.json").read_text())
    app["features"] = ["1"] * len(app["features"])
    status, body = post(json.dumps({"application": app, "wallet": app["borrower"]}).encode())
    assert status == 422 and "integers" in body and str(app["salt"]) not in body
    assert post(b"x" * (65 * 1024))[0] == 413
    assert post(b"{}", "text/plain")[0] == 415
    # the record and salt never reach the server's output
    assert str(app["salt"]) not in "".join(server.log)

    # 31 days later Alice's attestation has expired: refused with the date
    app = json.loads((server.out / "applications" / "alice.json").read_text())
    rpc = server.config()["rpcUrl"]
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(rpc))
    w3.provider.make_request("evm_increaseTime", [31 * 86_400])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    status, body = post(json.dumps({"application": app, "wallet": app["borrower"]}).encode())
    assert status == 200 and json.loads(body.splitlines()[-1]) == {
        "error": "the attestation expired " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(app["expires_at"])),
        "status": 409}

    # Stopping the server (SIGTERM, as a service manager does) stops the chain it started
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(30) == 0

    with pytest.raises(OSError):
        urllib.request.urlopen(urllib.request.Request(rpc, data=b"{}", headers={"Content-Type": "application/json"}),
                               timeout=5)


def test_the_pages_ship_the_pinned_ethers_from_npm() -> None:
    """The page's ethers is npm's (package.json pins it), copied into the package: no CDN, offline."""
    from zkml_chain.lending.web.app import STATIC

    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["ethers"]
    npm = json.loads((ROOT / "node_modules" / "ethers" / "package.json").read_text())["version"]
    assert pinned == npm
    shipped = (STATIC / "vendor" / "ethers.min.js").read_bytes()
    assert shipped == (ROOT / "node_modules" / "ethers" / "dist" / "ethers.min.js").read_bytes()
    assert f'const version="{pinned}"'.encode() in shipped[:400]
    for page in ("borrower.html", "lender.html"):  # nothing loaded from elsewhere
        html = (STATIC / page).read_text()
        assert "http://" not in html and "https://" not in html


def test_serve_refuses_bad_arguments_in_one_line(tmp_path: Path) -> None:
    zkml = str(ROOT / ".venv" / "bin" / "zkml-chain")

    def serve(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([zkml, "serve", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)

    r = serve()
    assert r.returncode == 2 and "either --deployment FILE" in r.stderr
    dep = tmp_path / "deployment.json"
    dep.write_text("{}")
    r = serve("--deployment", str(dep), "--demo")
    assert r.returncode == 2 and "either --deployment FILE" in r.stderr
    r = serve("--deployment", str(dep), "--rpc", "http://127.0.0.1:9", "--host", "0.0.0.0", "--port", "0")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no Ethereum node answers at http://127.0.0.1:9" in r.stderr
    assert "anyone who can reach this port can use this prover" in r.stderr
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        r = serve("--deployment", str(dep), "--port", str(taken.getsockname()[1]))
    assert r.returncode == 2 and "cannot listen on 127.0.0.1:" in r.stderr and "Traceback" not in r.stderr
