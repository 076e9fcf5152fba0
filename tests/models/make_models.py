"""Regenerate the PyTorch-exported ONNX test models in this folder.

    python tests/models/make_models.py        # needs torch (not a project dependency)

torch is only needed here, to produce real `torch.onnx.export` files that the tests then read;
the files are committed so the test suite never needs torch. Install it into a throwaway venv,
e.g. `python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch onnx scikit-learn`.

- digits_cnn.onnx: a small CNN (conv 3x3, ReLU, max pool, conv 3x3, ReLU, average pool,
  linear) trained on scikit-learn's load_digits (8x8 images scaled to [0, 1]).
- digits_cnn_calibration.json: 300 of those images, for `zkml-chain compile --calibration`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

HERE = Path(__file__).resolve().parent


class DigitsCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Linear(8 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def main() -> None:
    torch.manual_seed(0)
    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(digits.target)
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(60):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"training accuracy {acc:.4f}")
    torch.onnx.export(model, x[:1], str(HERE / "digits_cnn.onnx"), input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(x), 300, replace=False)
    (HERE / "digits_cnn_calibration.json").write_text(json.dumps({"image": np.round(x[pick].numpy(), 4).tolist()}))


if __name__ == "__main__":
    main()
