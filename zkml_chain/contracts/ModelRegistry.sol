// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ModelRegistry: which private model a commitment names, and which verifier checks its proofs
/// @notice A model is identified by its Poseidon commitment to the quantized weights (public
///         signal 0 of every proof; `zkml-chain compile` writes it to circuit.json). A pool or a
///         marketplace looks the commitment up here to learn the model's verifier, name and
///         version, and that it has not been retired.
contract ModelRegistry is Ownable {
    /// BN254 scalar field order: a commitment is a field element, so a larger value is an error.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct Model {
        address verifier; // Groth16 verifier rendered for this model's circuit
        bool active; // packed with verifier: one SLOAD answers "which verifier, still live?"
        uint64 registeredAt;
        string name;
        string version;
    }

    mapping(uint256 commitment => Model) private _models;

    event ModelRegistered(uint256 indexed commitment, address indexed verifier, string name, string version);
    event ModelRetired(uint256 indexed commitment);

    error CommitmentNotInField(uint256 commitment);
    error ModelAlreadyRegistered(uint256 commitment);
    error UnknownModel(uint256 commitment);
    error VerifierHasNoCode(address verifier);

    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @notice Register a model commitment with its verifier; a commitment is registered once
    ///         (a retired model stays retired, so a proof's model can never silently change).
    function register(uint256 commitment, address verifier, string calldata name, string calldata version)
        external
        onlyOwner
    {
        if (commitment >= R) revert CommitmentNotInField(commitment);
        if (verifier.code.length == 0) revert VerifierHasNoCode(verifier);
        Model storage m = _models[commitment];
        if (m.verifier != address(0)) revert ModelAlreadyRegistered(commitment);
        (m.verifier, m.active, m.registeredAt, m.name, m.version) =
            (verifier, true, uint64(block.timestamp), name, version);
        emit ModelRegistered(commitment, verifier, name, version);
    }

    /// @notice Stop accepting proofs under a model (e.g. a flaw found in it or its setup).
    function retire(uint256 commitment) external onlyOwner {
        Model storage m = _models[commitment];
        if (!m.active) revert UnknownModel(commitment);
        m.active = false;
        emit ModelRetired(commitment);
    }

    /// @notice The verifier of an active model; reverts for an unknown or retired one.
    function verifierOf(uint256 commitment) external view returns (address verifier) {
        Model storage m = _models[commitment];
        if (!m.active) revert UnknownModel(commitment);
        return m.verifier;
    }

    function modelOf(uint256 commitment) external view returns (Model memory) {
        return _models[commitment];
    }
}
