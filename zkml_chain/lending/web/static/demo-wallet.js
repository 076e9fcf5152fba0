// The demo wallet: an EIP-1193 provider backed by the local Anvil node's unlocked test accounts.
// For `zkml-chain serve --demo` and the browser tests only. It holds no keys: Anvil signs with its
// well-known test keys, so it must never point at a chain with real funds (the server offers it
// only with --demo, on the Anvil it started). A real borrower's page uses MetaMask or any
// EIP-1193 wallet (window.ethereum), which this never replaces.
export function installDemoWallet(rpcUrl, chainId, address) {
  let current = address;
  let id = 0;
  const listeners = new Map();
  const emit = (event, value) => (listeners.get(event) || []).forEach((fn) => fn(value));
  const provider = {
    isZkmlChainDemoWallet: true,
    async request({ method, params }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [current];
      if (method === "wallet_switchEthereumChain") {
        if (parseInt(params?.[0]?.chainId, 16) !== chainId) throw Object.assign(new Error("unknown chain"), { code: 4902 });
        return null;
      }
      const r = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const reply = await r.json();
      if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code, data: reply.error.data });
      return reply.result;
    },
    on(event, fn) { listeners.set(event, [...(listeners.get(event) || []), fn]); },
    removeListener(event, fn) { listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn)); },
    selectAccount(addr) { current = addr; emit("accountsChanged", [addr]); },
  };
  window.ethereum = provider;
  return provider;
}
