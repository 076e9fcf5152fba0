"""Train the credit models on the German Credit data and export them to ONNX.

Four scikit-learn models on the 55 attested integers (:mod:`.features`):

- ``lr``: StandardScaler then a logistic regression (C = 0.03);
- ``mlp``: StandardScaler then an MLP 55 → 16 → 8 → 1 (ReLU, L2 alpha = 10; German Credit is
  small and overfits);
- ``gbdt``: gradient-boosted trees, scikit-learn's HistGradientBoostingClassifier (100 trees of
  depth <= 4, learning rate 0.05). Why this library: it is LightGBM's algorithm (histogram
  splits, leaf-wise growth) inside the scikit-learn the project already depends on, so
  ``train-credit`` needs no new package, and skl2onnx converts it; XGBoost and LightGBM models
  compile the same way (tests/test_trees.py);
- ``rf``: a random forest (100 trees of depth <= 6).

The trees take the integers as they are (splits do not care about scale); the linear models
carry their scaler inside the ONNX file (ai.onnx.ml Scaler). A stratified 70/30 split with a
fixed seed. Reports accuracy and ROC AUC on the held-out 30%, for the float models and for the
quantized circuits (the exact integer arithmetic the proofs use).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ToolchainError
from ..files import json_bytes, write_all
from .features import FEATURE_NAMES, Dataset, load

log = logging.getLogger(__name__)

INPUT_NAME = "features"
MODELS = ("lr", "mlp", "gbdt", "rf")
CALIBRATION = "calibration.json"
SPLIT = "split.json"
METRICS = "metrics.json"


@dataclass(frozen=True)
class Scores:
    """Accuracy (decision p(good) >= 0.5) and ROC AUC on the held-out applicants."""

    accuracy: float
    auc: float


def _sklearn() -> Any:
    try:
        import skl2onnx  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError:
        raise ToolchainError("training needs scikit-learn and skl2onnx: pip install 'zkml-chain[train]'") from None


def split(ds: Dataset, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices: stratified 70/30."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(ds.labels))
    train, test = train_test_split(idx, test_size=0.3, stratify=ds.labels, random_state=seed)
    return np.sort(train), np.sort(test)


def scores(labels: np.ndarray, p_good: np.ndarray) -> Scores:
    from sklearn.metrics import roc_auc_score

    return Scores(float(np.mean((p_good >= 0.5) == (labels == 1))), float(roc_auc_score(labels, p_good)))


def pipelines(seed: int = 0) -> dict[str, Any]:
    """The four models as unfitted scikit-learn pipelines (see the module docstring)."""
    _sklearn()
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    estimators = {
        "lr": LogisticRegression(C=0.03, max_iter=5000),
        "mlp": MLPClassifier((16, 8), alpha=10.0, max_iter=3000, random_state=seed),
        "gbdt": HistGradientBoostingClassifier(max_iter=100, max_depth=4, learning_rate=0.05, random_state=seed),
        "rf": RandomForestClassifier(n_estimators=100, max_depth=6, random_state=seed),
    }
    trees = ("gbdt", "rf")  # no scaler: a split is the same at any scale
    return {name: Pipeline([("model", est)] if name in trees else [("scale", StandardScaler()), ("model", est)])
            for name, est in estimators.items()}


def fit(pipe: Any, ds: Dataset, rows: np.ndarray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's convergence chatter; scores are reported
        return pipe.fit(ds.features[rows].astype(np.float32), ds.labels[rows])


def onnx_bytes(pipe: Any) -> bytes:
    """A fitted pipeline as the ONNX file the circuit compiles (input "features", no ZipMap)."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    est = pipe.steps[-1][1]
    return to_onnx(pipe, initial_types=[(INPUT_NAME, FloatTensorType([None, len(FEATURE_NAMES)]))],
                   options={id(est): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()


def train(out: Path, seed: int = 0) -> dict[str, Any]:
    """Fit the models, write ``{lr,mlp,gbdt,rf}.onnx``, the calibration samples (training rows)
    and the split into ``out``; returns the float models' held-out scores."""
    ds = load()
    tr, te = split(ds, seed)
    files: dict[Path, bytes] = {}
    report: dict[str, Any] = {"features": list(FEATURE_NAMES), "train": len(tr), "test": len(te), "models": {}}
    for name, pipe in pipelines(seed).items():
        fit(pipe, ds, tr)
        files[out / f"{name}.onnx"] = onnx_bytes(pipe)
        s = scores(ds.labels[te], pipe.predict_proba(ds.features[te].astype(np.float32))[:, 1])
        report["models"][name] = {"float": asdict(s)}
        log.info("%s: held-out accuracy %.3f, AUC %.3f", name, s.accuracy, s.auc)
    files[out / CALIBRATION] = json_bytes({INPUT_NAME: ds.features[tr].tolist()})
    files[out / SPLIT] = json_bytes({"seed": seed, "train": tr.tolist(), "test": te.tolist()})
    out.mkdir(parents=True, exist_ok=True)
    write_all(files)
    return report


def circuit_p_good(model: Path, features: np.ndarray, scale: int) -> np.ndarray:
    """p(good) of each row as the circuit computes it (the exact integer model, dequantized)."""
    from ..onnx.graph import load as load_graph
    from ..onnx.quantize import dequantize, run_numpy

    graph = load_graph(model)
    q, _ = run_numpy(graph, {INPUT_NAME: features.reshape((len(features),) + graph.inputs[INPUT_NAME])}, scale)
    return dequantize(q["probabilities"]).reshape(len(features), -1)[:, 1]


def circuit_scores(model: Path, ds: Dataset, rows: np.ndarray, scale: int) -> tuple[Scores, float]:
    """Held-out scores of the quantized model (the circuit's exact integer arithmetic) and its
    largest |p(good) − float p(good)| against onnxruntime."""
    import onnxruntime as ort

    ours = circuit_p_good(model, ds.features[rows], scale)
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    theirs = sess.run(["probabilities"], {INPUT_NAME: ds.features[rows].astype(np.float32)})[0][:, 1]
    return scores(ds.labels[rows], ours), float(np.abs(ours - theirs).max())
