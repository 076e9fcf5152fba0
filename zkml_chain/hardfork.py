"""The Ethereum hardfork zkml-chain targets: solc compiles for it, every local node we start runs
it, and every gas figure names it (gas depends on it: EIP-2929 access costs, EIP-7623 calldata).

ape-config.yaml cannot import it and repeats it for Ape's Foundry and Solidity plugins; a test
checks the two agree.
"""

HARDFORK = "prague"
