// The borrower page: connect a wallet, load the bureau's application file, prove locally, borrow, repay.
import { contracts, dusd, errorInterface, ethers, explain, loadConfig, short, show, threshold } from "./common.js";

const $ = (id) => document.getElementById(id);
const state = { config: null, iface: null, provider: null, signer: null, account: null, chainOk: false,
                app: null, proof: null, busy: false };

function canAct() {
  return state.account && state.chainOk && !state.busy;
}

function updateButtons() {
  $("connect").disabled = state.busy;
  $("prove").disabled = !(canAct() && state.app);
  $("borrow").disabled = !(canAct() && state.proof);
  $("repay").disabled = !canAct();
}

function read() {
  return contracts(state.config, state.provider);
}

async function checkChain() {
  const id = parseInt(await window.ethereum.request({ method: "eth_chainId" }), 16);
  state.chainOk = id === state.config.chainId;
  $("chain").textContent = `${id}${state.chainOk ? "" : " (wrong chain)"}`;
  if (!state.chainOk) {
    show($("wallet-status"), "error", `Your wallet is on chain ${id}; this pool is on chain ${state.config.chainId}. `
      + "Switch the wallet's network to it.");
  } else {
    show($("wallet-status"), "ok", "Connected.");
  }
  updateButtons();
  return state.chainOk;
}

async function connect() {
  try {
    const accounts = await window.ethereum.request({ method: "eth_requestAccounts" });
    if (!accounts.length) throw new Error("the wallet gave no account");
    state.provider = new ethers.BrowserProvider(window.ethereum);
    state.account = ethers.getAddress(accounts[0]);
    state.signer = await state.provider.getSigner(state.account);
    state.proof = null;
    $("account").textContent = state.account;
    if (await checkChain()) await refresh();
    $("connect").textContent = "Reconnect";
  } catch (err) {
    show($("wallet-status"), "error", `Could not connect: ${explain(err, state.iface)}`);
  }
  updateButtons();
}

async function refresh() {
  if (!state.account || !state.chainOk) return;
  try {
    const c = read();
    const [minThreshold, maxDebt, nonce, debt, balance] = await Promise.all([
      c.pool.minThreshold(), c.pool.maxDebt(), c.pool.nonceOf(state.account), c.pool.debtOf(state.account),
      c.token.balanceOf(state.account)]);
    $("policy").textContent = `p(good) ≥ ${threshold(state.config, minThreshold).toFixed(3)}`;
    $("max-debt").textContent = `${dusd(maxDebt)} dUSD`;
    $("nonce").textContent = String(nonce);
    $("debt").textContent = `${dusd(debt)} dUSD`;
    $("balance").textContent = `${dusd(balance)} dUSD`;
    if (state.app) await showAttestation();
  } catch (err) {
    show($("wallet-status"), "error", `Could not read the pool: ${explain(err, state.iface)}`);
  }
}

function parseApplication(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch (_) {
    throw new Error("this file is not JSON: load the application file the bureau gave you");
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new Error("this file is not an application");
  const missing = ["borrower", "features", "salt", "commitment"].filter((k) => !(k in obj));
  if (missing.length) throw new Error(`this file has no ${missing.join(", ")}: is it the bureau's application file?`);
  if (!ethers.isAddress(obj.borrower)) throw new Error("the file's borrower is not an address");
  if (!Array.isArray(obj.features) || !obj.features.every(Number.isInteger)) {
    throw new Error("the file's features are not a list of integers");
  }
  if (!/^\d+$/.test(String(obj.salt)) || !/^\d+$/.test(String(obj.commitment))) {
    throw new Error("the file's salt and commitment must be decimal integers");
  }
  return obj;
}

async function showAttestation() {
  const app = state.app;
  const c = read();
  const [held, revoked, block] = await Promise.all([
    c.attestations.attestationOf(app.borrower), c.attestations.isRevoked(BigInt(app.commitment)),
    state.provider.getBlock("latest")]);
  const [commitment, attester, expiresAt] = [held[0], held[1], Number(held[2])];
  const date = (t) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  let kind = "ok";
  let text;
  if (revoked) [kind, text] = ["bad", "revoked by the bureau"];
  else if (BigInt(attester) === 0n) [kind, text] = ["bad", "none for this address"];
  else if (commitment !== BigInt(app.commitment)) [kind, text] = ["bad", "replaced by a newer record: this file is outdated"];
  else if (expiresAt <= block.timestamp) [kind, text] = ["bad", `expired ${date(expiresAt)}`];
  else if (!(await c.attestations.isAttester(attester))) [kind, text] = ["bad", "its attester is no longer authorised"];
  else text = `until ${date(expiresAt)}, matches this file`;
  const dd = $("app-attestation");
  dd.replaceChildren();
  const badge = document.createElement("span");
  badge.className = `badge ${kind}`;
  badge.textContent = kind === "ok" ? "valid" : "not usable";
  dd.append(badge, ` ${text}`);
  return kind === "ok";
}

async function loadApplication(file) {
  state.app = null;
  state.proof = null;
  try {
    if (file.size > 64 * 1024) throw new Error("this file is far larger than an application file");
    state.app = parseApplication(await file.text());
    $("app-borrower").textContent = ethers.getAddress(state.app.borrower);
    $("app-commitment").textContent = short(ethers.toBeHex(BigInt(state.app.commitment), 32), 8);
    show($("app-status"), "ok", `Loaded ${file.name}.`);
    if (state.account && ethers.getAddress(state.app.borrower) !== state.account) {
      show($("app-status"), "warn", `This file was issued to ${ethers.getAddress(state.app.borrower)}; the connected `
        + `account is ${state.account}. Connect that account to prove.`);
    }
    if (state.account && state.chainOk) await showAttestation();
  } catch (err) {
    for (const id of ["app-borrower", "app-commitment", "app-attestation"]) $(id).textContent = "–";
    show($("app-status"), "error", err.message);
  }
  const input = $("application");
  input.dataset.loads = String(Number(input.dataset.loads || 0) + 1); // for the browser tests: a load finished
  updateButtons();
}

async function prove() {
  state.busy = true;
  state.proof = null;
  updateButtons();
  const progress = $("prove-progress");
  const started = performance.now();
  let stage = "sending the application to the local prover";
  const tick = setInterval(() => {
    progress.textContent = `${stage}… ${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 100);
  show($("prove-status"), "", "");
  try {
    const r = await fetch("/api/prove", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ application: state.app, wallet: state.account }),
    });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error(body.error || `the prover answered ${r.status}`);
    }
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let last = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (event.stage) stage = event.message;
        else last = event;
      }
    }
    if (!last) throw new Error("the prover stopped without an answer");
    if (last.error) throw new Error(last.error);
    state.proof = last;
    show($("prove-status"), "ok", `Proof ready in ${last.seconds.toFixed(2)} s, for nonce ${last.nonce}: your score `
      + "clears the policy. Your record, score and the model stay private. Borrow to use it.");
  } catch (err) {
    show($("prove-status"), "error", `No proof: ${err.message}`);
  } finally {
    clearInterval(tick);
    progress.textContent = `${((performance.now() - started) / 1000).toFixed(2)} s`;
    state.busy = false;
    updateButtons();
  }
}

function amount(id) {
  const v = $(id).value.trim();
  if (!/^\d+$/.test(v) || BigInt(v) === 0n) throw new Error("enter a whole number of dUSD above zero");
  return ethers.parseUnits(v, 18);
}

async function transact(statusId, fn) {
  state.busy = true;
  updateButtons();
  const status = $(statusId);
  try {
    await fn(status);
  } catch (err) {
    show(status, "error", err instanceof Error && !err.code && !err.data ? err.message : explain(err, state.iface));
  } finally {
    state.busy = false;
    updateButtons();
    await refresh();
  }
}

function borrow() {
  return transact("loan-status", async (status) => {
    const value = amount("borrow-amount");
    const pool = contracts(state.config, state.signer).pool;
    const nonce = await pool.nonceOf(state.account);
    if (BigInt(state.proof.nonce) !== nonce) throw new Error("this proof was made for an earlier nonce: prove again");
    show(status, "", "Waiting for the wallet…");
    const tx = await pool.borrow(value, state.proof.proof, state.proof.public);
    const receipt = await tx.wait();
    state.proof = null;
    show($("prove-status"), "", `The proof for nonce ${nonce} was used by this loan; another loan needs a new proof.`);
    show(status, "ok", `Borrowed ${dusd(value)} dUSD (gas ${receipt.gasUsed.toLocaleString("en-US")}, `
      + `transaction ${short(receipt.hash)}).`);
  });
}

function repay() {
  return transact("loan-status", async (status) => {
    const value = amount("repay-amount");
    const c = contracts(state.config, state.signer);
    const debt = await c.pool.debtOf(state.account);
    if (value > debt) throw new Error(`you owe ${dusd(debt)} dUSD, less than that`);
    show(status, "", "Approving the pool in the wallet…");
    await (await c.token.approve(state.config.contracts.pool.address, value)).wait();
    show(status, "", "Repaying…");
    const receipt = await (await c.pool.repay(value)).wait();
    show(status, "ok", `Repaid ${dusd(value)} dUSD (gas ${receipt.gasUsed.toLocaleString("en-US")}).`);
  });
}

async function setUpDemoWallet() {
  const { installDemoWallet } = await import("./demo-wallet.js");
  const accounts = state.config.demo.accounts;
  installDemoWallet(state.config.rpcUrl, state.config.chainId, accounts[0].address);
  const select = $("demo-account");
  for (const a of accounts) select.append(new Option(`${a.name} (${short(a.address, 4)})`, a.address));
  select.addEventListener("change", () => window.ethereum.selectAccount(select.value));
  $("demo-picker").hidden = false;
  $("demo-note").hidden = false;
  const files = accounts.filter((a) => a.application);
  const span = $("demo-files");
  span.append("Demo files: ");
  files.forEach((a, i) => {
    const link = document.createElement("a");
    link.href = `/api/demo/applications/${encodeURIComponent(a.application)}`;
    link.download = a.application;
    link.textContent = `${a.name}'s`;
    span.append(...(i ? [", "] : []), link);
  });
  span.hidden = false;
}

async function init() {
  try {
    state.config = await loadConfig();
  } catch (err) {
    show($("wallet-status"), "error", err.message);
    return;
  }
  state.iface = errorInterface(state.config);
  if (!window.ethereum && state.config.demo) await setUpDemoWallet();
  if (!window.ethereum) {
    show($("wallet-status"), "warn", "No wallet found: install MetaMask (or another EIP-1193 wallet) and reload. "
      + "`zkml-chain serve --demo` offers a demo wallet on a local chain.");
    $("connect").disabled = true;
    return;
  }
  window.ethereum.on?.("accountsChanged", () => { if (state.account) connect(); });
  window.ethereum.on?.("chainChanged", () => { if (state.account) checkChain().then((ok) => ok && refresh()); });
  $("connect").addEventListener("click", connect);
  $("application").addEventListener("change", (e) => { if (e.target.files[0]) loadApplication(e.target.files[0]); });
  $("prove").addEventListener("click", prove);
  $("borrow").addEventListener("click", borrow);
  $("repay").addEventListener("click", repay);
  updateButtons();
  document.body.dataset.ready = "true";
}

init();
