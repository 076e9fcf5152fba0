// The lender page: the pool's liquidity and debt, its loans (from events), registered models,
// authorised attesters and the gas each borrow cost. Read-only, straight from the chain's RPC.
import { contracts, dusd, ethers, loadConfig, short, show, threshold } from "./common.js";

const $ = (id) => document.getElementById(id);
let config;
let c;
let provider;

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function fill(tbodyParent, rows, empty) {
  const tbody = $(tbodyParent).querySelector("tbody");
  tbody.replaceChildren();
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell(empty, "muted");
    td.colSpan = 8;
    tr.append(td);
    tbody.append(tr);
    return;
  }
  for (const row of rows) {
    const tr = document.createElement("tr");
    tr.append(...row);
    tbody.append(tr);
  }
}

// A bar per borrow, gas on the y axis (SVG drawn here: no chart library, the page works offline).
function chart(points) {
  const holder = $("gas-chart");
  holder.replaceChildren();
  if (!points.length) {
    holder.textContent = "No borrows yet.";
    return;
  }
  const w = 640;
  const h = 200;
  const pad = { l: 64, r: 10, t: 12, b: 28 };
  const top = Math.max(...points.map((p) => p.gas)) * 1.15;
  const raw = top / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const max = step * 4;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Gas per borrow: ${points.map((p) => `${p.label} ${p.gas}`).join(", ")}`);
  const el = (name, attrs, text) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const y = (g) => pad.t + (h - pad.t - pad.b) * (1 - g / max);
  for (let i = 0; i <= 4; i++) {
    const g = step * i;
    el("line", { x1: pad.l, x2: w - pad.r, y1: y(g), y2: y(g), stroke: "#e3e7ec" });
    el("text", { x: pad.l - 6, y: y(g) + 4, "text-anchor": "end" }, Math.round(g).toLocaleString("en-US"));
  }
  const slot = (w - pad.l - pad.r) / points.length;
  const bw = Math.min(48, slot * 0.6);
  points.forEach((p, i) => {
    const x = pad.l + slot * i + (slot - bw) / 2;
    el("rect", { x, y: y(p.gas), width: bw, height: h - pad.b - y(p.gas), fill: "#2457c5", rx: 3 });
    el("text", { x: x + bw / 2, y: y(p.gas) - 4, "text-anchor": "middle" }, p.gas.toLocaleString("en-US"));
    el("text", { x: x + bw / 2, y: h - pad.b + 16, "text-anchor": "middle" }, p.label);
  });
  holder.append(svg);
}

async function refresh() {
  try {
    const pool = c.pool;
    const [liquidity, minThreshold, maxDebt] = await Promise.all([
      c.token.balanceOf(config.contracts.pool.address), pool.minThreshold(), pool.maxDebt()]);
    const [borrowed, claimed, repaid] = await Promise.all([
      pool.queryFilter(pool.filters.Borrowed(), 0), pool.queryFilter(pool.filters.BorrowedAgainstClaim(), 0),
      pool.queryFilter(pool.filters.Repaid(), 0)]);
    const events = [...borrowed, ...claimed, ...repaid].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    const receipts = await Promise.all(events.map((e) => provider.getTransactionReceipt(e.transactionHash)));
    const borrowers = [...new Set([...borrowed, ...claimed].map((e) => e.args.borrower))];
    const debts = await Promise.all(borrowers.map((b) => pool.debtOf(b)));
    const outstanding = debts.reduce((a, b) => a + b, 0n);

    $("liquidity").textContent = `${dusd(liquidity)} dUSD`;
    $("outstanding").textContent = `${dusd(outstanding)} dUSD`;
    $("loan-count").textContent = String(borrowed.length + claimed.length);
    $("policy").textContent = `p(good) ≥ ${threshold(config, minThreshold).toFixed(3)}`;
    $("max-debt").textContent = `up to ${dusd(maxDebt)} dUSD per borrower`;

    fill("loans", events.map((e, i) => [
      cell(String(e.blockNumber)), cell(short(e.args.borrower, 4), "mono"),
      cell(e.eventName === "Repaid" ? "repaid" : e.eventName === "Borrowed" ? "borrowed (proof)" : "borrowed (claim)"),
      cell(dusd(e.args.amount), "num"), cell(receipts[i].gasUsed.toLocaleString("en-US"), "num"),
      cell(short(e.transactionHash), "mono")]), "No loans yet.");
    const borrows = events.map((e, i) => ({ e, r: receipts[i] })).filter(({ e }) => e.eventName !== "Repaid");
    chart(borrows.map(({ e, r }, i) => ({ label: `#${i + 1} ${short(e.args.borrower, 2)}`, gas: Number(r.gasUsed) })));

    const models = c.models;
    const registered = await models.queryFilter(models.filters.ModelRegistered(), 0);
    const poolModel = await pool.modelCommitment();
    const infos = await Promise.all(registered.map((e) => models.modelOf(e.args.commitment)));
    fill("models", registered.map((e, i) => {
      const status = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = `badge ${infos[i].active ? "ok" : "bad"}`;
      badge.textContent = infos[i].active ? "active" : "retired";
      status.append(badge, e.args.commitment === poolModel ? " this pool's model" : "");
      return [cell(e.args.name), cell(e.args.version), cell(short(ethers.toBeHex(e.args.commitment, 32), 6), "mono"),
              cell(short(e.args.verifier, 4), "mono"), status];
    }), "No model registered.");

    const reg = c.attestations;
    const changes = await reg.queryFilter(reg.filters.AttesterSet(), 0);
    const candidates = [...new Set(changes.map((e) => e.args.attester))];
    const allowed = await Promise.all(candidates.map((a) => reg.isAttester(a)));
    const list = $("attesters");
    list.replaceChildren();
    candidates.filter((_, i) => allowed[i]).forEach((a) => {
      const li = document.createElement("li");
      li.className = "mono";
      li.textContent = a;
      list.append(li);
    });
    if (!list.children.length) list.textContent = "None.";
    $("updated").textContent = `updated at block ${await provider.getBlockNumber()}`;
    show($("status"), "", "");
    document.body.dataset.ready = "true";
  } catch (err) {
    show($("status"), "error", `Could not read the pool: ${err.shortMessage || err.message}`);
  }
}

async function init() {
  try {
    config = await loadConfig();
  } catch (err) {
    show($("status"), "error", err.message);
    return;
  }
  provider = new ethers.JsonRpcProvider(config.rpcUrl, config.chainId, { staticNetwork: true });
  c = contracts(config, provider);
  $("refresh").addEventListener("click", refresh);
  await refresh();
}

init();
