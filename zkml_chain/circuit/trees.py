"""A tree ensemble as constraints that cost what the model has, not a comparison per node.

Input: x, the features as signed n-bit integers, and the ensemble's integer structure
(:class:`zkml_chain.onnx.trees.Binned`): per tested feature its sorted cuts c_1 < ... < c_m, per
tree its nodes as sets of bins. The cuts and the leaf weights may be constants or private
(committed) wires; the tree shapes and the features each node tests are the circuit's structure.

Constraints, with m_k cuts on tested feature k, L_t leaves in tree t, W = the range-check width
(max(n, cut width) + 1) and P the nonzero leaf weights:

- per tested feature: a one-hot bin e (m_k + 1 booleans, Σe = 1) and c_{b} < x <= c_{b+1} for the
  chosen bin b by two W-bit range checks, x − lo − 1 >= 0 and hi − x >= 0, where lo and hi are
  the chosen bin's cuts Σ e_j·c_j: m_k + 2 + 2(W + 1), plus 2·m_k products when the cuts are
  private;
- per tree: a one-hot leaf z (L_t booleans, Σz = 1) and, for every internal node i,
  reach(true child) = reach(i)·D_i, where reach is the sum of z over a subtree and D_i, the node's
  decision, is the sum of e over the bins where its test holds (free): 2·L_t;
- the output: Σ z·w, free with constant weights, P products with private ones.

Why it is sound: e is one-hot and the two range checks admit only the bin that contains x (the
bins partition the integers when the cuts increase, which the model commitment fixes), so every
D_i is the true decision; z is one-hot, reach(root) = 1, and reach(true child) = reach(i)·D_i walks
the one leaf the decisions lead to, since reach(i) is 0 off that path and 1 on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .bits import MAX_BITS, boolean, to_bits
from .builder import Circuit, Tensor, signed
from .program import BinOneHot, TreeLeaf

if TYPE_CHECKING:
    from ..onnx.trees import Binned


def _values(t: Tensor | np.ndarray) -> list[int]:
    return [int(v) for v in (signed(t.values) if isinstance(t, Tensor) else np.asarray(t).ravel())]


def check_width(n: int, cuts: Sequence[Tensor | np.ndarray]) -> int:
    """The range-check width for inputs of signed width n and these cuts: wide enough for
    x − lo − 1 and hi − x with x, lo and hi anywhere in their ranges."""
    top = max([abs(v) for c in cuts for v in _values(c)] + [1])
    w = max(n, top.bit_length() + 1) + 1
    if w >= MAX_BITS:
        raise ValueError(f"tree_ensemble: a cut or the input needs {w} bits (limit {MAX_BITS - 1})")
    return w


def _select(c: Circuit, e: Tensor, values: Tensor | np.ndarray) -> Tensor:
    """Σ_j e_j·values_j: free for constants, one product each for wires."""
    if isinstance(values, Tensor):
        return c.mul(e, values).sum()
    return e @ np.asarray(values, dtype=object)


def bins(c: Circuit, x: Tensor, cuts: Tensor | np.ndarray, n: int, width: int, name: str = "tree") -> Tensor:
    """The one-hot bin of a scalar x among sorted cuts (bin b: c_b < x <= c_{b+1}); see the
    module docstring for its cost and soundness. Hints are named ``{name}.bin``, ``{name}.lo``
    and ``{name}.hi`` (the range checks' bits)."""
    m = len(_values(cuts))
    q = int(signed(x.values)[0])
    b = sum(1 for v in _values(cuts) if v < q)
    cut_lcs = cuts if isinstance(cuts, Tensor) else c.constant(np.asarray(cuts, dtype=object).reshape(m))
    e = boolean(c, c.hint(np.eye(m + 1, dtype=np.int64)[b], name=f"{name}.bin", recipe=BinOneHot(x, cut_lcs)))
    c.assert_equal(e.sum(), 1)
    lowest, highest = -(1 << (n - 1)) - 1, (1 << (n - 1)) - 1  # bins 0 and m: the input's own range
    cut_t = cuts if isinstance(cuts, Tensor) else np.asarray(cuts, dtype=object)
    if m:
        lo = _select(c, e[1:], cut_t) + e[0].scale(lowest)
        hi = _select(c, e[:m], cut_t) + e[m].scale(highest)
    else:
        lo, hi = c.lift(lowest), c.lift(highest)
    to_bits(c, x - lo - 1, width, "tree_ensemble (input below its bin, or outside its calibrated range)", name=f"{name}.lo")
    to_bits(c, hi - x, width, "tree_ensemble (input above its bin, or outside its calibrated range)", name=f"{name}.hi")
    return e.proven_boolean()


def tree_ensemble(c: Circuit, x: Tensor, model: Binned, cuts: Sequence[Tensor | np.ndarray],
                  weights: Tensor | np.ndarray, n: int) -> Tensor:
    """The ensemble's scores, shape (n_targets,): Σ over trees of the reached leaf's weights.
    ``x``: the features (a vector), signed n-bit; ``cuts[k]``: the cuts of ``model.features[k]``;
    ``weights``: the nonzero leaf weights in ``model.pattern`` order."""
    from ..onnx.trees import leaf_per_tree

    x = x.flatten()
    width = check_width(n, cuts)
    onehots = [bins(c, x[f], cuts[k], n, width, f"tree.feature{k}") for k, f in enumerate(model.features)]
    chosen = [np.array([int(np.argmax(np.asarray(e.values, dtype=np.int64)))]) for e in onehots]
    reached = leaf_per_tree(model, chosen, 1)[0]
    z_parts = []
    for ti, tree in enumerate(model.trees):
        leaves = [i for i, node in enumerate(tree) if isinstance(node, int)]
        local = {node: k for k, node in enumerate(leaves)}
        rows = tuple(int(tree[i]) for i in leaves)  # type: ignore[arg-type]  # leaves are ints
        z = boolean(c, c.hint((np.array(rows) == reached[ti]).astype(np.int64), name=f"tree{ti}.leaf",
                              recipe=TreeLeaf(tuple(onehots), tuple(tree), rows)))
        c.assert_equal(z.sum(), 1)
        under = _subtree_leaves(tree)
        internal = [i for i, node in enumerate(tree) if not isinstance(node, int)]
        if internal:  # every node's constraint at once: three linear maps and one constrain
            reach = np.zeros((len(leaves), len(internal)), dtype=np.int64)
            reach_true = np.zeros_like(reach)
            decision = [np.zeros((onehot.size, len(internal)), dtype=np.int64) for onehot in onehots]
            splits = [node for node in tree if not isinstance(node, int)]
            for col, (i, (slot, true_bins, yes, _)) in enumerate(zip(internal, splits)):
                reach[[local[j] for j in under[i]], col] = 1
                reach_true[[local[j] for j in under[yes]], col] = 1
                decision[slot][list(true_bins), col] = 1
            decided = sum((onehots[k] @ decision[k] for k in range(len(onehots)) if decision[k].any()),
                          start=c.lift(np.zeros(len(internal), dtype=np.int64)))
            c.constrain(z @ reach, decided, z @ reach_true)
        z_parts.append(z)
    z_all = c.concatenate(z_parts)
    leaf, target = np.asarray(model.pattern, dtype=np.int64).reshape(len(model.pattern), 2).T
    hits = z_all.take(leaf)
    terms = c.mul(hits, weights) if isinstance(weights, Tensor) else hits.scale(np.asarray(weights, dtype=object))
    return terms @ (np.arange(model.n_targets)[None, :] == target[:, None]).astype(np.int64)


def _subtree_leaves(tree: tuple) -> dict[int, list[int]]:
    """Every node's leaves (node indices), children before parents."""
    out: dict[int, list[int]] = {}

    def walk(i: int) -> list[int]:
        node = tree[i]
        if isinstance(node, int):
            out[i] = [i]
        else:
            out[i] = walk(node[2]) + walk(node[3])
        return out[i]

    walk(0)
    return out
