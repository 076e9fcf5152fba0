// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {AttestationRegistry} from "./AttestationRegistry.sol";
import {ILendingVerifier} from "./IGroth16Verifier.sol";
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
import {ScoreRegistry} from "./ScoreRegistry.sol";

/// @title CreditLendingPool: lends an ERC-20 to borrowers who prove a private credit score clears the policy
/// @notice `borrow` takes a Groth16 proof of "score = model(record) >= threshold" made by
///         `zkml-chain prove` for the lending circuit. Its public signals are read by name, through
///         the positions in LendingSignals.sol (rendered from the compiled circuit's layout):
///           model commitment - must be this pool's model, still active in the registry
///           input commitment - must be the borrower's current, unexpired attestation
///           threshold        - must be at least the pool's minThreshold
///           borrower         - must be msg.sender (a copied proof is useless to others)
///           domain           - must be this pool's `domain()`: keccak256(chain id, pool
///                              address) mod r, as an EIP-712 domain separator, so a proof
///                              is spent only where it was made for (no other chain, no
///                              other pool sharing the registries)
///           nonce            - must be the borrower's next one here; it is then consumed,
///                              so a replayed or re-randomised (malleated) proof fails.
///         The score, the record and the weights never appear on chain.
///         `borrowWithClaim` lends instead against a claim a credit bureau posted for the caller
///         in a ScoreRegistry batch (no proof in the call): the caller's own claim, under this
///         pool's model, live (see ScoreRegistry.claimOf), with a threshold at least minThreshold.
///         Reentrancy: every call before the state changes is a STATICCALL (registries,
///         verifier), and state changes come before the token transfer, so no guard is needed
///         (a transient-storage guard would also draw a solc warning).
contract CreditLendingPool is Ownable {
    using SafeERC20 for IERC20;

    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IERC20 public immutable asset;
    ModelRegistry public immutable models;
    AttestationRegistry public immutable attestations;
    /// The scoring model this pool accepts (Poseidon commitment to its quantized weights).
    uint256 public immutable modelCommitment;

    // The domain is cached for the deployment chain and recomputed after a fork changes the
    // chain id (as OpenZeppelin's EIP712 does): two immutable reads instead of a keccak per borrow.
    uint256 private immutable _cachedDomain;
    uint256 private immutable _cachedChainId;

    /// Lowest accepted threshold, as the circuit's public signal: p(good) · 2^scale (circuit.json).
    uint64 public minThreshold;
    /// Most a borrower may owe at once, in asset units.
    uint128 public maxDebt;

    struct Account {
        uint128 debt;
        uint64 nonce; // next nonce a proof must carry; debt and nonce share one slot (one SSTORE)
    }

    mapping(address borrower => Account) public accounts;
    /// Where bureaus post batched claims (`borrowWithClaim`); unset: that path is closed.
    ScoreRegistry public scores;

    event Borrowed(address indexed borrower, uint256 amount, uint64 nonce, uint256 threshold);
    event Repaid(address indexed borrower, uint256 amount, uint256 remainingDebt);
    event PolicySet(uint64 minThreshold, uint128 maxDebt);
    event Withdrawn(address indexed to, uint256 amount);
    event BorrowedAgainstClaim(address indexed borrower, uint256 amount, uint256 threshold, uint64 claimExpiresAt);
    event ScoreRegistrySet(address scores);

    error ZeroAmount();
    error WrongModel(uint256 got, uint256 expected);
    error NoValidAttestation(address borrower);
    error AttestationMismatch(uint256 got, uint256 current);
    error ThresholdBelowPolicy(uint256 got, uint256 minimum);
    error WrongBorrower(uint256 got, address sender);
    error WrongDomain(uint256 got, uint256 expected);
    error WrongNonce(uint256 got, uint256 expected);
    error DebtLimitExceeded(uint256 requested, uint256 available);
    error InvalidProof();
    error RepayExceedsDebt(uint256 amount, uint256 debt);
    error NoScoreRegistry();
    error NoValidClaim(address borrower);

    constructor(
        address initialOwner,
        IERC20 asset_,
        ModelRegistry models_,
        AttestationRegistry attestations_,
        uint256 modelCommitment_,
        uint64 minThreshold_,
        uint128 maxDebt_
    ) Ownable(initialOwner) {
        models_.verifierOf(modelCommitment_); // reverts unless the model is registered and active
        (asset, models, attestations, modelCommitment) = (asset_, models_, attestations_, modelCommitment_);
        (_cachedChainId, _cachedDomain) = (block.chainid, _domain());
        _setPolicy(minThreshold_, maxDebt_);
    }

    /// @notice The public signal 4 a proof for this pool on this chain must carry.
    function domain() public view returns (uint256) {
        return block.chainid == _cachedChainId ? _cachedDomain : _domain();
    }

    function _domain() private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this)))) % R;
    }

    /// @param proof [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y], as in the rendered verifiers.
    function borrow(uint256 amount, uint256[8] calldata proof, uint256[N_SIGNALS] calldata publicSignals) external {
        if (amount == 0) revert ZeroAmount();
        // Cheapest checks first: calldata against msg.sender, the chain and immutables.
        if (publicSignals[SIGNAL_BORROWER] != uint256(uint160(msg.sender))) {
            revert WrongBorrower(publicSignals[SIGNAL_BORROWER], msg.sender);
        }
        uint256 expectedDomain = domain();
        if (publicSignals[SIGNAL_DOMAIN] != expectedDomain) {
            revert WrongDomain(publicSignals[SIGNAL_DOMAIN], expectedDomain);
        }
        if (publicSignals[SIGNAL_MODEL_COMMITMENT] != modelCommitment) {
            revert WrongModel(publicSignals[SIGNAL_MODEL_COMMITMENT], modelCommitment);
        }
        if (publicSignals[SIGNAL_THRESHOLD] < minThreshold) {
            revert ThresholdBelowPolicy(publicSignals[SIGNAL_THRESHOLD], minThreshold);
        }
        Account memory account = accounts[msg.sender];
        if (publicSignals[SIGNAL_NONCE] != account.nonce) {
            revert WrongNonce(publicSignals[SIGNAL_NONCE], account.nonce);
        }
        (uint256 attested, uint64 validUntil) = attestations.current(msg.sender);
        if (validUntil == 0) revert NoValidAttestation(msg.sender);
        if (publicSignals[SIGNAL_INPUT_COMMITMENT] != attested) {
            revert AttestationMismatch(publicSignals[SIGNAL_INPUT_COMMITMENT], attested);
        }
        address verifier = models.verifierOf(modelCommitment); // reverts once the model is retired
        uint256 debt = account.debt + amount;
        // The owner may have lowered maxDebt below this borrower's debt: report 0 available, not a
        // checked-arithmetic panic.
        if (debt > maxDebt) revert DebtLimitExceeded(amount, maxDebt > account.debt ? maxDebt - account.debt : 0);
        // The verifier reverts on malformed input (a signal >= r, a point off the curve) and
        // returns false for a well-formed proof of anything else.
        bool ok = ILendingVerifier(verifier).verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], publicSignals
        );
        if (!ok) revert InvalidProof();
        // Effects before the transfer: the nonce is spent even if the asset calls back.
        accounts[msg.sender] = Account(uint128(debt), account.nonce + 1);
        emit Borrowed(msg.sender, amount, account.nonce, publicSignals[SIGNAL_THRESHOLD]);
        asset.safeTransfer(msg.sender, amount);
    }

    /// @notice Borrow against the caller's posted claim (ScoreRegistry): no proof, no nonce.
    function borrowWithClaim(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        ScoreRegistry registry = scores;
        if (address(registry) == address(0)) revert NoScoreRegistry();
        (uint64 threshold, uint64 expiresAt) = registry.claimOf(modelCommitment, msg.sender);
        if (expiresAt == 0) revert NoValidClaim(msg.sender);
        if (threshold < minThreshold) revert ThresholdBelowPolicy(threshold, minThreshold);
        Account memory account = accounts[msg.sender];
        uint256 debt = account.debt + amount;
        if (debt > maxDebt) revert DebtLimitExceeded(amount, maxDebt > account.debt ? maxDebt - account.debt : 0);
        accounts[msg.sender].debt = uint128(debt);
        emit BorrowedAgainstClaim(msg.sender, amount, threshold, expiresAt);
        asset.safeTransfer(msg.sender, amount);
    }

    /// @notice Repay up to the caller's debt (needs an ERC-20 allowance for the pool).
    function repay(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Account memory account = accounts[msg.sender];
        if (amount > account.debt) revert RepayExceedsDebt(amount, account.debt);
        uint128 remaining = account.debt - uint128(amount);
        accounts[msg.sender].debt = remaining;
        emit Repaid(msg.sender, amount, remaining);
        asset.safeTransferFrom(msg.sender, address(this), amount);
    }

    function setPolicy(uint64 minThreshold_, uint128 maxDebt_) external onlyOwner {
        _setPolicy(minThreshold_, maxDebt_);
    }

    /// @notice Accept claims from `scores_` (address 0 closes `borrowWithClaim`).
    function setScoreRegistry(ScoreRegistry scores_) external onlyOwner {
        scores = scores_;
        emit ScoreRegistrySet(address(scores_));
    }

    /// @notice The owner takes liquidity out (the pool is funded by plain transfers).
    function withdraw(address to, uint256 amount) external onlyOwner {
        emit Withdrawn(to, amount);
        asset.safeTransfer(to, amount);
    }

    function nonceOf(address borrower) external view returns (uint64) {
        return accounts[borrower].nonce;
    }

    function debtOf(address borrower) external view returns (uint128) {
        return accounts[borrower].debt;
    }

    function _setPolicy(uint64 minThreshold_, uint128 maxDebt_) private {
        (minThreshold, maxDebt) = (minThreshold_, maxDebt_);
        emit PolicySet(minThreshold_, maxDebt_);
    }
}
