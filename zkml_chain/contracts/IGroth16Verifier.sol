// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {N_SIGNALS} from "./LendingSignals.sol";

/// @notice The verifier `zkml-chain verifier` renders for the lending circuit (N_SIGNALS public
///         signals, positions in LendingSignals.sol); snarkjs's Groth16Verifier has the same
///         signature. B in `generatecall` order.
interface ILendingVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[N_SIGNALS] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The batch verifier `zkml-chain verifier --batch` renders for the lending circuit: N proofs
///         in N + 3 pairings; false if any proof fails, so one bad proof fails the batch.
interface ILendingBatchVerifier {
    function verifyBatch(uint256[8][] calldata proofs, uint256[N_SIGNALS][] calldata pubSignals)
        external
        view
        returns (bool);
}
