// Hardhat 3 for Ape's `--network ethereum:local:hardhat` (ape-hardhat; see ape-config.yaml).
// zkml-chain's own Hardhat nodes (`zkml-chain demo --chain hardhat`, the tests) write their own
// config; this one holds the same settings for the node Ape starts with `hardhat node`:
// - hardfork pinned: gas depends on it, and Hardhat's default (osaka) differs from Anvil's pin;
// - Ape's test accounts (the shared "test ... junk" mnemonic, 10 of 10,000 ETH), so Ape signs
//   with the keys the node funds;
// - a reverted transaction is mined with status 0, as on a real chain, not thrown as an RPC error.
const config = {
  networks: {
    hardhat: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "prague",
      chainId: 31337,
      accounts: {
        mnemonic: "test test test test test test test test test test test junk",
        path: "m/44'/60'/0'/0",
        count: 10,
        accountsBalance: "10000000000000000000000",
      },
      throwOnTransactionFailures: false,
    },
  },
};

// `hardhat node` serves the network named "node"; ape-hardhat reads the accounts of the one named
// "hardhat" (Hardhat 2's name, the first object in this file) and warns when they differ from its
// own. Both names, one network.
config.networks.node = config.networks.hardhat;

export default config;
