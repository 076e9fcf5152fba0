"""Projects users drop into their own toolchain: a verifier with its tests (Foundry)."""
