// solc for zkml-chain, py-solc-x and Ape: answers like solc and compiles standard JSON with
// npm's solc (solcjs, WASM), because native solc binaries cannot be downloaded offline.
//   ZKML_SOLCJS          the npm solc package folder (required)
//   ZKML_SOLC_VERSION    the long version to report for --version (py-solc-x parses it)
// Imports resolve against --base-path, each --include-path and the working directory.
const fs = require("fs");
const path = require("path");
const solc = require(process.env.ZKML_SOLCJS);
const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-v")) {
  const version = process.env.ZKML_SOLC_VERSION || solc.version().replace("Emscripten.clang", "Linux.g++");
  console.log("solc, the solidity compiler commandline interface\nVersion: " + version);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  console.error("this solc only supports --version and --standard-json (it forwards to npm solc)");
  process.exit(2);
}
const roots = [];
args.forEach((a, i) => {
  if ((a === "--base-path" || a === "--include-path") && args[i + 1]) roots.push(args[i + 1]);
});
roots.push(process.cwd());
function findImports(p) {
  for (const root of roots) {
    const f = path.resolve(root, p);
    if (fs.existsSync(f)) return { contents: fs.readFileSync(f, "utf8") };
  }
  return { error: "File not found: " + p };
}
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString("utf8"), { import: findImports }));
});
