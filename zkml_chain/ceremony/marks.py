"""The mark of a development key, in its own dependency-free module: every proof checks it (via
``ProvingKey.development``), and the prover must not import the ceremony code to do so."""

#: The first 32 bytes of a development key's circuit hash (section 10), which every phase-2
#: contribution, ours or snarkjs's, copies: a key made without a powers-of-tau ceremony stays marked.
DEV_TAG = b"zkml-chain dev key: tau is known"
assert len(DEV_TAG) == 32
