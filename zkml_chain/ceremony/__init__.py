"""Trusted-setup ceremonies, compatible with snarkjs 0.7.6 files and transcripts.

- :mod:`.snarkjs`: the hashes, keys and byte forms a transcript is made of;
- :mod:`.ptau`: the powers-of-tau file; :mod:`.phase1`: new, contribute, beacon, prepare, verify;
- phase 2 (a circuit's key from a powers-of-tau file, its contributions) in :mod:`.phase2`.
"""
