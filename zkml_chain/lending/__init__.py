"""The flagship use: private credit scoring for an on-chain lending pool.

features (German Credit encoding) -> train (scikit-learn -> ONNX) -> the ONNX compiler with an
attested input and a threshold claim -> contracts (registries, pool) -> the demo story.
"""
