// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The verifier `zkml-chain verifier` renders for a circuit with 6 public signals (the
///         lending circuit's: model commitment, input commitment, threshold, borrower, chain id,
///         nonce); snarkjs's Groth16Verifier has the same signature. B in `generatecall` order.
interface IGroth16Verifier6 {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[6] calldata pubSignals
    ) external view returns (bool);
}
