// Shared by the borrower and lender pages: the deployment, contracts, amounts and error messages.
import { ethers } from "./vendor/ethers.min.js";

export { ethers };

export const DECIMALS = 18; // DemoStablecoin, as every ERC-20 the pool is deployed with here

export async function loadConfig() {
  const r = await fetch("/api/config");
  if (!r.ok) throw new Error(`the server did not give the deployment (${r.status})`);
  return r.json();
}

export function contracts(config, runner) {
  const out = {};
  for (const [name, c] of Object.entries(config.contracts)) out[name] = new ethers.Contract(c.address, c.abi, runner);
  return out;
}

// One interface with every custom error of the deployment's contracts, to name a revert.
export function errorInterface(config) {
  const seen = new Map();
  for (const c of Object.values(config.contracts)) {
    for (const item of c.abi) {
      if (item.type === "error") seen.set(ethers.Fragment.from(item).format("sighash"), item);
    }
  }
  return new ethers.Interface([...seen.values()]);
}

export function dusd(wei) {
  const whole = ethers.formatUnits(wei, DECIMALS);
  const [i, f] = whole.split(".");
  const grouped = BigInt(i).toLocaleString("en-US");
  return f && f !== "0" ? `${grouped}.${f}` : grouped;
}

export function short(hex, n = 6) {
  const s = String(hex);
  return s.length > 2 * n + 2 ? `${s.slice(0, n + 2)}…${s.slice(-n)}` : s;
}

export function threshold(config, signal) {
  return Number(signal) / 2 ** config.thresholdScale;
}

const EXPLAINED = {
  WrongNonce: "this proof was made for an earlier nonce (it was used already): prove again",
  InvalidProof: "the proof does not verify",
  NoValidAttestation: "the bureau's attestation for this address is missing, expired or revoked",
  AttestationMismatch: "the proof is for a record other than the one attested now",
  ThresholdBelowPolicy: "the proof claims a threshold below the pool's policy",
  WrongBorrower: "the proof is bound to another address than the sender",
  WrongDomain: "the proof was made for another pool or chain",
  DebtLimitExceeded: "the amount would take the debt over the pool's limit",
  RepayExceedsDebt: "the amount is more than the debt",
  ZeroAmount: "the amount must be above zero",
  WrongModel: "the proof is under another model than the pool's",
  ERC20InsufficientBalance: "the balance is too low",
  ERC20InsufficientAllowance: "the pool was not approved for this amount",
};

function revertData(err) {
  for (const e of [err, err?.info?.error, err?.error, err?.info?.error?.data]) {
    const d = e?.data;
    if (typeof d === "string" && d.startsWith("0x") && d.length >= 10) return d;
    if (typeof d?.data === "string" && d.data.startsWith("0x")) return d.data;
  }
  return null;
}

// A sentence for a failed wallet call: the contract's custom error by name, a rejection, or the
// wallet's own message; never a stack trace.
export function explain(err, iface) {
  if (err?.code === "ACTION_REJECTED" || err?.code === 4001 || err?.info?.error?.code === 4001) {
    return "you rejected the request in your wallet";
  }
  const data = revertData(err);
  if (data) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) {
        const args = parsed.args.map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");
        const why = EXPLAINED[parsed.name];
        return `the pool refused: ${parsed.name}(${args})${why ? ` — ${why}` : ""}`;
      }
    } catch (_) { /* not one of ours: fall through */ }
  }
  const msg = err?.shortMessage || err?.info?.error?.message || err?.message || String(err);
  return msg.split("\n")[0];
}

export function show(el, kind, text) {
  el.className = `status ${kind}`;
  el.textContent = text;
}
