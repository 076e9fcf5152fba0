// SPDX-License-Identifier: MIT
// Rendered by zkml-chain (zkml_chain.lending.signals) from the lending circuit's
// compiled signal layout (circuit.json "public_signals"); do not edit: a test re-renders it and
// compares. CreditLendingPool reads each public signal through these positions, so the contract
// and the prover cannot disagree on which value is which.
pragma solidity ^0.8.24;

// Number of public signals of the lending circuit (the verifier's pubSignals length).
uint256 constant N_SIGNALS = 6;

// the model commitment: must be the pool's model, still active in the registry
uint256 constant SIGNAL_MODEL_COMMITMENT = 0;

// the input commitment: must be the borrower's current, unexpired attestation
uint256 constant SIGNAL_INPUT_COMMITMENT = 1;

// the threshold: p(good) * 2^scale, at least the pool's minThreshold
uint256 constant SIGNAL_THRESHOLD = 2;

// the borrower: must be msg.sender
uint256 constant SIGNAL_BORROWER = 3;

// the domain: keccak256(chain id, pool address) mod r, this pool's domain()
uint256 constant SIGNAL_DOMAIN = 4;

// the nonce: the borrower's next one at this pool
uint256 constant SIGNAL_NONCE = 5;

