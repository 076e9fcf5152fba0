// Written by `zkml-chain export hardhat`: snarkjs proof.json / public.json -> the verifier's
// arguments, and the verifier's custom errors by name. No dependency beyond ethers.
import { Interface } from "ethers";

/** The field order r: a public input must be below it (the verifier reverts otherwise). */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Arguments of verifyProof(a, b, c, pubSignals) for a snarkjs proof and its public signals.
 * G2 coordinates are (c0, c1) in snarkjs's JSON; the EVM's pairing precompile takes (c1, c0),
 * so B's pairs are swapped, as `snarkjs zkey export soliditycalldata` does. */
export function verifyProofArgs(proof, publicSignals) {
  const n = (v) => BigInt(v);
  return [
    [n(proof.pi_a[0]), n(proof.pi_a[1])],
    [
      [n(proof.pi_b[0][1]), n(proof.pi_b[0][0])],
      [n(proof.pi_b[1][1]), n(proof.pi_b[1][0])],
    ],
    [n(proof.pi_c[0]), n(proof.pi_c[1])],
    publicSignals.map(n),
  ];
}

/** One proof as the batch verifier's uint256[8]: A, B (swapped as above), C. */
export function proofWords(proof) {
  const [a, b, c] = verifyProofArgs(proof, []);
  return [...a, ...b[0], ...b[1], ...c];
}

/** Arguments of verifyBatch(proofs, pubSignals) for [{proof, publicSignals}, ...]. */
export function verifyBatchArgs(items) {
  return [items.map((i) => proofWords(i.proof)), items.map((i) => i.publicSignals.map((v) => BigInt(v)))];
}

/** The name and arguments of the verifier's custom error in a failed call (ethers v6), or null
 * when the revert carries none of them (out of gas, a plain revert). */
export function decodeVerifierError(abi, error) {
  const data = error?.data ?? error?.info?.error?.data ?? error?.error?.data;
  const hex = typeof data === "string" ? data : data?.data;
  if (typeof hex !== "string" || hex.length < 10) return null;
  const parsed = new Interface(abi).parseError(hex);
  return parsed ? { name: parsed.name, args: [...parsed.args] } : null;
}
