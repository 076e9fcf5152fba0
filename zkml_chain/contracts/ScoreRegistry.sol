// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {AttestationRegistry} from "./AttestationRegistry.sol";
import {ILendingBatchVerifier} from "./IGroth16Verifier.sol";
import {
    N_SIGNALS,
    SIGNAL_MODEL_COMMITMENT,
    SIGNAL_INPUT_COMMITMENT,
    SIGNAL_THRESHOLD,
    SIGNAL_BORROWER,
    SIGNAL_DOMAIN,
    SIGNAL_NONCE
} from "./LendingSignals.sol";
import {ModelRegistry} from "./ModelRegistry.sol";

/// @title ScoreRegistry: credit claims a bureau proved for its clients, posted in batches
/// @notice A credit bureau (an authorised attester) proves, off chain and for many clients at
///         once (`zkml-chain prove-batch`), "p(good) >= threshold under the registered model, from
///         the record I attested for this borrower", with the lending circuit: the same proof a
///         borrower makes for CreditLendingPool.borrow, but with this registry's domain and an epoch
///         in the nonce signal. `postClaims` checks every claim's signals, then all proofs at once
///         with the model's batch verifier (N + 3 pairings instead of 4N), and records per
///         (model, borrower) the threshold proven and an expiry. Pools read `claimOf`.
///         Checked per claim (any failure reverts the whole batch, naming the claim):
///           model      - one active registered model per batch, with a batch verifier set here
///           input      - the borrower's current attestation, posted by msg.sender (a bureau
///                        posts claims only about records it attested itself)
///           domain     - this registry on this chain: keccak256(chain id, address) mod r
///           nonce      - the epoch (block.timestamp / epochLength when proved): later than the
///                        borrower's last posted claim under the model (a replayed batch, or the
///                        same borrower twice in one, fails) and not in the future
///           borrower   - an address (the claim is usable only by it: pools look up msg.sender)
///         A bad proof fails the whole batch (InvalidBatch): finding it on chain would cost a
///         4-pairing check per claim, which the poster can run for free off chain before posting
///         (the `post-claims` script verifies every proof first and leaves out bad ones).
///         A claim stops counting when it expires, when the borrower's attestation is replaced,
///         revoked or expires, or when the model is retired.
contract ScoreRegistry is Ownable {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    ModelRegistry public immutable models;
    AttestationRegistry public immutable attestations;
    /// Seconds per epoch (the nonce signal counts epochs since 1970).
    uint64 public immutable epochLength;
    /// Epochs a claim stays valid after the epoch it was proved in (capped by the attestation's expiry).
    uint64 public immutable claimEpochs;

    uint256 private immutable _cachedDomain;
    uint256 private immutable _cachedChainId;

    struct Claim {
        uint256 inputCommitment; // the attestation proved from: the claim dies when it is replaced
        uint64 threshold; // p(good) * 2^scale, as the circuit's public signal
        uint64 epoch;
        uint64 expiresAt;
    }

    mapping(uint256 model => address) public batchVerifierOf;
    mapping(uint256 model => mapping(address borrower => Claim)) private _claims;

    event BatchVerifierSet(uint256 indexed model, address verifier);
    event ClaimPosted(
        address indexed borrower, uint256 indexed model, address indexed attester, uint64 threshold, uint64 epoch,
        uint64 expiresAt
    );

    enum Reason {
        MixedModels,
        WrongDomain,
        NotAnAddress,
        NoValidAttestation,
        AttestationMismatch,
        AttestedByAnother,
        StaleEpoch,
        FutureEpoch,
        Expired,
        ThresholdOutOfRange
    }

    error EmptyBatch();
    error LengthMismatch(uint256 proofs, uint256 pubSignals);
    error NotAttester(address account);
    error NoBatchVerifier(uint256 model);
    error VerifierHasNoCode(address verifier);
    /// Claim `index` of the batch failed its signal check `reason`; nothing was posted.
    error ClaimRejected(uint256 index, Reason reason);
    /// The batch's proofs do not all verify; nothing was posted.
    error InvalidBatch();

    constructor(
        address initialOwner,
        ModelRegistry models_,
        AttestationRegistry attestations_,
        uint64 epochLength_,
        uint64 claimEpochs_
    ) Ownable(initialOwner) {
        (models, attestations, epochLength, claimEpochs) = (models_, attestations_, epochLength_, claimEpochs_);
        (_cachedChainId, _cachedDomain) = (block.chainid, _domain());
    }

    /// @notice The domain signal claims for this registry on this chain carry.
    function domain() public view returns (uint256) {
        return block.chainid == _cachedChainId ? _cachedDomain : _domain();
    }

    function _domain() private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this)))) % R;
    }

    /// @notice The epoch a claim proved now carries in its nonce signal.
    function currentEpoch() public view returns (uint64) {
        return uint64(block.timestamp / epochLength);
    }

    /// @notice The batch verifier (`zkml-chain verifier --batch`) for a registered model's circuit.
    function setBatchVerifier(uint256 model, address verifier) external onlyOwner {
        models.verifierOf(model); // reverts unless the model is registered and active
        if (verifier.code.length == 0) revert VerifierHasNoCode(verifier);
        batchVerifierOf[model] = verifier;
        emit BatchVerifierSet(model, verifier);
    }

    /// @param proofs each [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y]
    /// @return posted the number of claims recorded (all of them, or the call reverts)
    function postClaims(uint256[8][] calldata proofs, uint256[N_SIGNALS][] calldata pubSignals)
        external
        returns (uint256 posted)
    {
        uint256 n = proofs.length;
        if (n == 0) revert EmptyBatch();
        if (n != pubSignals.length) revert LengthMismatch(n, pubSignals.length);
        if (!attestations.isAttester(msg.sender)) revert NotAttester(msg.sender);
        uint256 model = pubSignals[0][SIGNAL_MODEL_COMMITMENT];
        models.verifierOf(model); // reverts for an unknown or retired model
        address verifier = batchVerifierOf[model];
        if (verifier == address(0)) revert NoBatchVerifier(model);
        uint256 expectedDomain = domain();
        uint64 nowEpoch = currentEpoch();
        for (uint256 i = 0; i < n; ++i) {
            _record(i, pubSignals[i], model, expectedDomain, nowEpoch);
        }
        // Last, as the costliest step; a revert undoes the records above.
        if (!ILendingBatchVerifier(verifier).verifyBatch(proofs, pubSignals)) revert InvalidBatch();
        return n;
    }

    function _record(uint256 i, uint256[N_SIGNALS] calldata s, uint256 model, uint256 expectedDomain, uint64 nowEpoch)
        private
    {
        if (s[SIGNAL_MODEL_COMMITMENT] != model) revert ClaimRejected(i, Reason.MixedModels);
        if (s[SIGNAL_DOMAIN] != expectedDomain) revert ClaimRejected(i, Reason.WrongDomain);
        if (s[SIGNAL_BORROWER] >> 160 != 0) revert ClaimRejected(i, Reason.NotAnAddress);
        address borrower = address(uint160(s[SIGNAL_BORROWER]));
        (uint256 attested, address attester, uint64 validUntil) = attestations.attestedBy(borrower);
        if (validUntil == 0) revert ClaimRejected(i, Reason.NoValidAttestation);
        if (s[SIGNAL_INPUT_COMMITMENT] != attested) revert ClaimRejected(i, Reason.AttestationMismatch);
        if (attester != msg.sender) revert ClaimRejected(i, Reason.AttestedByAnother);
        Claim storage c = _claims[model][borrower];
        uint256 epoch = s[SIGNAL_NONCE];
        // A first claim needs epoch >= 1: epoch 0 (1970) is never current anyway.
        if (epoch <= c.epoch) revert ClaimRejected(i, Reason.StaleEpoch);
        if (epoch > nowEpoch) revert ClaimRejected(i, Reason.FutureEpoch);
        uint256 lapse = (epoch + claimEpochs) * epochLength; // epoch <= nowEpoch: no overflow
        uint64 expiresAt = lapse < validUntil ? uint64(lapse) : validUntil;
        if (expiresAt <= block.timestamp) revert ClaimRejected(i, Reason.Expired);
        // The threshold is p(good) * 2^scale <= 2^scale; it is stored in 64 bits.
        if (s[SIGNAL_THRESHOLD] >> 64 != 0) revert ClaimRejected(i, Reason.ThresholdOutOfRange);
        uint64 threshold = uint64(s[SIGNAL_THRESHOLD]);
        (c.inputCommitment, c.threshold, c.epoch, c.expiresAt) = (attested, threshold, uint64(epoch), expiresAt);
        emit ClaimPosted(borrower, model, msg.sender, threshold, uint64(epoch), expiresAt);
    }

    /// @notice A borrower's live claim under `model`: the threshold proven and until when; (0, 0)
    ///         when there is none, it expired, the model was retired, or the attestation it was proved
    ///         from is no longer the borrower's current one.
    function claimOf(uint256 model, address borrower) external view returns (uint64 threshold, uint64 expiresAt) {
        Claim storage c = _claims[model][borrower];
        if (c.expiresAt <= block.timestamp) return (0, 0);
        (uint256 attested,) = attestations.current(borrower);
        if (attested != c.inputCommitment) return (0, 0);
        try models.verifierOf(model) returns (address) {
            return (c.threshold, c.expiresAt);
        } catch {
            return (0, 0); // retired
        }
    }
}
