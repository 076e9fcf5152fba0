"""Many proofs with one key folder, on Ray: `zkml-chain prove-batch`.

items (what to prove, where each proof goes) -> worker (a key folder loaded once, a proof per
item; no Ray) -> ray_pool (the cluster and its actors) -> run (the driver: resume, writing,
summary). cli_batch.py is the command.
"""
