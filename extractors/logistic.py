"""A logistic model over named features, as plain data.

The decisions after the tagger (keep this entity? is it the paper's own?) are
small: a few dozen features, a few thousand examples. A logistic model fitted
by maximum likelihood on the validation split is calibrated there by
construction, and its weights read as a table (docs/quality.md prints them).
Fitting happens in training/ (scikit-learn); kg only applies the weights, so
the package needs nothing beyond spaCy to run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class Logistic:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    threshold: float = 0.5

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_disk(self, path: Path) -> None:
        path.write_text(json.dumps({"weights": self.weights, "bias": self.bias, "threshold": self.threshold},
                                   indent=1, sort_keys=True), encoding="utf-8")  # fmt: skip

    @classmethod
    def from_disk(cls, path: Path) -> Logistic:
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(dict(d["weights"]), float(d["bias"]), float(d.get("threshold", 0.5)))
