// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title AttestationRegistry: each borrower's current attested-data commitment
/// @notice An authorised attester (a credit bureau) reads a borrower's financial record off
///         chain, encodes it as integers (zkml_chain.lending.features), and posts
///         Poseidon(record, salt) here with an expiry; the salt goes to the borrower only. A
///         proof then shows a score computed from exactly that record, which stays private.
///         A new attestation replaces the old one, so only the latest record can be used.
///         An attestation belongs to the bureau that posted it: while it is live (unexpired, its
///         attester still authorised) no other bureau can replace it, so its owner can always
///         revoke it. Revocation is final for that commitment: nobody can post it again (a
///         commitment is public in the Attested event, and re-posting it would revive every
///         proof made from it).
contract AttestationRegistry is Ownable {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct Attestation {
        uint256 commitment;
        address attester; // with expiresAt: one slot
        uint64 expiresAt;
    }

    mapping(address attester => bool) public isAttester;
    mapping(address borrower => Attestation) private _attestations;
    mapping(uint256 commitment => bool) public isRevoked;

    event AttesterSet(address indexed attester, bool allowed);
    event Attested(address indexed borrower, address indexed attester, uint256 commitment, uint64 expiresAt);
    event AttestationRevoked(address indexed borrower, address indexed by);

    error NotAttester(address account);
    error CommitmentNotInField(uint256 commitment);
    error ExpiryNotInFuture(uint64 expiresAt);
    error NoAttestation(address borrower);
    error AttestedByAnother(address borrower, address attester);
    error CommitmentRevoked(uint256 commitment);

    constructor(address initialOwner) Ownable(initialOwner) {}

    function setAttester(address attester, bool allowed) external onlyOwner {
        isAttester[attester] = allowed;
        emit AttesterSet(attester, allowed);
    }

    function attest(address borrower, uint256 commitment, uint64 expiresAt) external {
        if (!isAttester[msg.sender]) revert NotAttester(msg.sender);
        if (commitment >= R) revert CommitmentNotInField(commitment);
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt);
        if (isRevoked[commitment]) revert CommitmentRevoked(commitment);
        Attestation storage held = _attestations[borrower];
        address owner_ = held.attester;
        if (owner_ != msg.sender && owner_ != address(0) && held.expiresAt > block.timestamp && isAttester[owner_]) {
            revert AttestedByAnother(borrower, owner_);
        }
        _attestations[borrower] = Attestation(commitment, msg.sender, expiresAt);
        emit Attested(borrower, msg.sender, commitment, expiresAt);
    }

    /// @notice The attester who posted it (or the owner) withdraws a borrower's attestation; its
    ///         commitment can never be attested again, by anyone.
    function revoke(address borrower) external {
        Attestation storage a = _attestations[borrower];
        if (a.attester == address(0)) revert NoAttestation(borrower);
        if (msg.sender != a.attester && msg.sender != owner()) revert NotAttester(msg.sender);
        isRevoked[a.commitment] = true;
        delete _attestations[borrower];
        emit AttestationRevoked(borrower, msg.sender);
    }

    /// @notice The borrower's attestation if it is unexpired and its attester is still
    ///         authorised; otherwise commitment 0 and validUntil 0 (0 is never a valid commitment
    ///         to match: pools must also check validUntil).
    function current(address borrower) external view returns (uint256 commitment, uint64 validUntil) {
        Attestation storage a = _attestations[borrower];
        if (a.expiresAt <= block.timestamp || !isAttester[a.attester]) return (0, 0);
        return (a.commitment, a.expiresAt);
    }

    /// @notice `current` and who posted it, in one call (ScoreRegistry checks that a bureau posts
    ///         claims only for records it attested); zeros when there is no valid attestation.
    function attestedBy(address borrower) external view returns (uint256 commitment, address attester, uint64 validUntil) {
        Attestation storage a = _attestations[borrower];
        if (a.expiresAt <= block.timestamp || !isAttester[a.attester]) return (0, address(0), 0);
        return (a.commitment, a.attester, a.expiresAt);
    }

    function attestationOf(address borrower) external view returns (Attestation memory) {
        return _attestations[borrower];
    }
}
