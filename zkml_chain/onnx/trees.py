"""Tree ensembles (ai.onnx.ml TreeEnsembleClassifier/Regressor v1-v3 and TreeEnsemble v5) read
into one form, and binned for the circuit.

Reading: whatever the op version, an ensemble becomes a list of trees whose internal nodes test
one feature (``x_f <= t``, ``<``, ``>=``, ``>``, ``==``, ``!=`` or set membership) and whose
leaves carry a weight per target (class). Node ids, tree ids and the v5 split between
``nodes_*`` and ``leaf_*`` are resolved here; a node that is referenced twice, a cycle, a missing
child or an unknown mode is refused, naming the tree.

Binning (what makes the circuit pay for what the model has, not per node): the circuit sees each
input at an integer fixed-point scale s, so every node's test is a test on the integer
``q = x·2^s``, and every test is a union of intervals ``(c_k, c_{k+1}]`` between *cuts* — for
``x <= t`` the cut is floor(t·2^s), for ``x < t`` it is ceil(t·2^s) − 1, and ``==`` uses two.
Sorting each feature's distinct cuts gives its *bins*; the circuit proves once per feature which
bin the input lies in (a one-hot vector and two range checks, circuit/trees.py), and then every
node's decision is a fixed sum of bin bits, free. The tests are exact for inputs on the grid
(integers, such as attested records, at any scale); for an input off the grid a decision can
differ only within 2^−s of a threshold.

Missing-value tracking (NaN inputs) has no effect: a circuit's inputs are finite integers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .graph import Node, UnsupportedModelError

#: The branch modes (v1-v3 spell them; v5 numbers them in this order).
MODES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "BRANCH_MEMBER")
POST_TRANSFORMS = ("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT")
AGGREGATES = ("AVERAGE", "SUM", "MIN", "MAX")


@dataclass(frozen=True)
class Split:
    """An internal node: go to ``true`` when the test holds, else ``false`` (node indices)."""

    feature: int
    mode: str
    values: tuple[float, ...]  # the threshold, or the set for BRANCH_MEMBER
    true: int
    false: int


@dataclass(frozen=True)
class Tree:
    """Nodes by index (the root is 0): a Split, or a leaf's weights (one per target)."""

    nodes: tuple[Split | np.ndarray, ...]

    def leaves(self) -> list[int]:
        return [i for i, n in enumerate(self.nodes) if not isinstance(n, Split)]


@dataclass(frozen=True)
class Ensemble:
    trees: tuple[Tree, ...]
    n_targets: int
    base: np.ndarray  # (n_targets,), or empty
    post_transform: str
    aggregate: str

    def weights(self) -> np.ndarray:
        """(leaves, n_targets): every leaf's weights, trees in order, AVERAGE folded in."""
        rows = [t.nodes[i] for t in self.trees for i in t.leaves()]
        w = np.array(rows, dtype=np.float64).reshape(len(rows), self.n_targets)
        return w / len(self.trees) if self.aggregate == "AVERAGE" else w

    def features(self) -> set[int]:
        return {n.feature for t in self.trees for n in t.nodes if isinstance(n, Split)}


# --- reading ---------------------------------------------------------------------------------

def floats_attr(node: Node, name: str) -> list[float] | None:
    v = node.attr(name)
    if v is None:
        v = node.attr(f"{name}_as_tensor")
    return None if v is None else [float(x) for x in np.asarray(v, dtype=np.float64).ravel()]


def ints_attr(node: Node, name: str, default: Sequence[int] | None = None) -> list[int]:
    v = node.attr(name)
    if v is None:
        if default is None:
            raise UnsupportedModelError(f"{node.where()}: missing attribute {name}")
        return list(default)
    return [int(x) for x in np.asarray(v).ravel()]


def _same_length(node: Node, attrs: Mapping[str, Sequence[Any]]) -> int:
    lengths = {k: len(v) for k, v in attrs.items()}
    if len(set(lengths.values())) > 1:
        raise UnsupportedModelError(f"{node.where()}: attributes of different lengths: {lengths}")
    return next(iter(lengths.values()))


@dataclass(frozen=True)
class _Raw:
    """A split as the file gives it: children as keys (node ids, or v5's node/leaf positions)."""

    feature: int
    mode: str
    values: tuple[float, ...]
    true: Any
    false: Any


def _key(key: Any) -> str:
    """A node key as a user reads it: v1-v3 (tree, node id) is "node i", v5 ("leaf"/"node", k)."""
    return f"{key[0]} {key[1]}" if isinstance(key[0], str) else f"node {key[1]}"


def _build_tree(node: Node, tree_id: Any, root: Any, split_of: dict[Any, _Raw | None],
                leaf_weights: dict[Any, np.ndarray]) -> Tree:
    """Number the nodes reachable from ``root`` (depth first) and check it is a tree.

    ``split_of[key]`` is a split (None for a leaf); ``leaf_weights`` maps a leaf key to its weights."""
    order: dict[Any, int] = {}
    stack = [root]
    while stack:
        key = stack.pop()
        if key in order:
            raise UnsupportedModelError(f"{node.where()}: tree {tree_id} reaches {_key(key)} twice (not a tree)")
        if key not in split_of:
            raise UnsupportedModelError(f"{node.where()}: tree {tree_id} refers to {_key(key)}, which does not exist")
        order[key] = len(order)
        s = split_of[key]
        if s is not None:
            stack.extend([s.false, s.true])
    nodes: list[Split | np.ndarray] = []
    for key in order:
        s = split_of[key]
        nodes.append(leaf_weights[key] if s is None else
                     Split(s.feature, s.mode, s.values, order[s.true], order[s.false]))
    return Tree(tuple(nodes))


def _check_modes(node: Node, modes: Sequence[str]) -> None:
    bad = sorted(set(modes) - set(MODES) - {"LEAF"})
    if bad:
        raise UnsupportedModelError(f"{node.where()}: unknown node mode {bad[0]!r}")


def read_v3(node: Node, n_targets: int, prefix: str) -> Ensemble:
    """TreeEnsembleClassifier (``prefix`` "class") or TreeEnsembleRegressor ("target"), v1-v3."""
    modes = [m if isinstance(m, str) else m.decode() for m in node.attr("nodes_modes") or []]
    _check_modes(node, modes)
    values = floats_attr(node, "nodes_values") or [0.0] * len(modes)
    nodes: dict[str, list[Any]] = {
             "nodes_treeids": ints_attr(node, "nodes_treeids"), "nodes_nodeids": ints_attr(node, "nodes_nodeids"),
             "nodes_featureids": ints_attr(node, "nodes_featureids"), "nodes_modes": modes, "nodes_values": values,
             "nodes_truenodeids": ints_attr(node, "nodes_truenodeids"),
             "nodes_falsenodeids": ints_attr(node, "nodes_falsenodeids")}
    if not _same_length(node, nodes):
        raise UnsupportedModelError(f"{node.where()}: the ensemble has no nodes")
    votes = {k: ints_attr(node, f"{prefix}_{k}") for k in ("treeids", "nodeids", "ids")}
    weights = floats_attr(node, f"{prefix}_weights")
    if weights is None:
        raise UnsupportedModelError(f"{node.where()}: missing attribute {prefix}_weights")
    _same_length(node, {**votes, "weights": weights})
    split_of: dict[Any, _Raw | None] = {}
    for t, i, f, m, v, yes, no in zip(*nodes.values()):
        if (t, i) in split_of:
            raise UnsupportedModelError(f"{node.where()}: node {i} of tree {t} is defined twice")
        split_of[(t, i)] = None if m == "LEAF" else _Raw(int(f), str(m), (float(v),), (t, yes), (t, no))
    leaf_weights = {k: np.zeros(n_targets) for k, s in split_of.items() if s is None}
    for t, i, target, w in zip(votes["treeids"], votes["nodeids"], votes["ids"], weights):
        if (t, i) not in leaf_weights:
            raise UnsupportedModelError(f"{node.where()}: a weight for node {i} of tree {t}, which is not a leaf")
        if not 0 <= target < n_targets:
            raise UnsupportedModelError(f"{node.where()}: {prefix} id {target} is outside 0..{n_targets - 1}")
        leaf_weights[(t, i)][target] += w
    trees = []
    for t in sorted(set(nodes["nodes_treeids"])):
        roots = [i for (tt, i) in split_of if tt == t]
        trees.append(_build_tree(node, t, (t, 0 if 0 in roots else min(roots)), split_of, leaf_weights))
    base = np.asarray(floats_attr(node, "base_values") or [], dtype=np.float64)
    post = node.attr("post_transform", "NONE")
    aggregate = node.attr("aggregate_function", "SUM")
    return _ensemble(node, trees, n_targets, base, post if isinstance(post, str) else post.decode(),
                     aggregate if isinstance(aggregate, str) else aggregate.decode())


def read_v5(node: Node) -> Ensemble:
    """TreeEnsemble (ai.onnx.ml 5): interior nodes in ``nodes_*``, leaves in ``leaf_*``."""
    n_targets = int(node.attr("n_targets", 0))
    if n_targets < 1:
        raise UnsupportedModelError(f"{node.where()}: n_targets must be at least 1")
    modes = [MODES[m] if 0 <= m < len(MODES) else f"mode {m}" for m in ints_attr(node, "nodes_modes")]
    _check_modes(node, modes)
    nodes: dict[str, list[Any]] = {"nodes_featureids": ints_attr(node, "nodes_featureids"), "nodes_modes": modes,
             "nodes_splits": floats_attr(node, "nodes_splits") or [],
             "nodes_truenodeids": ints_attr(node, "nodes_truenodeids"),
             "nodes_falsenodeids": ints_attr(node, "nodes_falsenodeids"),
             "nodes_trueleafs": ints_attr(node, "nodes_trueleafs"), "nodes_falseleafs": ints_attr(node, "nodes_falseleafs")}
    n = _same_length(node, nodes)
    targets, weights = ints_attr(node, "leaf_targetids"), floats_attr(node, "leaf_weights") or []
    _same_length(node, {"leaf_targetids": targets, "leaf_weights": weights})
    members = iter(_member_sets(floats_attr(node, "membership_values") or []))
    split_of: dict[Any, _Raw | None] = {}
    for k in range(n):
        f, m, v = nodes["nodes_featureids"][k], modes[k], nodes["nodes_splits"][k]
        if m == "BRANCH_MEMBER":
            s = next(members, None)
            if s is None:
                raise UnsupportedModelError(f"{node.where()}: more BRANCH_MEMBER nodes than membership_values sets")
            vals: tuple[float, ...] = s
        else:
            vals = (v,)
        yes = ("leaf" if nodes["nodes_trueleafs"][k] else "node", nodes["nodes_truenodeids"][k])
        no = ("leaf" if nodes["nodes_falseleafs"][k] else "node", nodes["nodes_falsenodeids"][k])
        split_of[("node", k)] = _Raw(int(f), m, vals, yes, no)
    leaf_weights = {}
    for k, (target, w) in enumerate(zip(targets, weights)):
        if not 0 <= target < n_targets:
            raise UnsupportedModelError(f"{node.where()}: leaf_targetids {target} is outside 0..{n_targets - 1}")
        split_of[("leaf", k)] = None
        leaf_weights[("leaf", k)] = np.eye(n_targets)[target] * w
    trees = []
    for t, root in enumerate(ints_attr(node, "tree_roots")):
        r = split_of.get(("node", root))
        if r is not None and r.true == r.false and r.true[0] == "leaf":  # a one-leaf tree, as the spec encodes it
            trees.append(Tree((leaf_weights[r.true],)))
            continue
        trees.append(_build_tree(node, t, ("node", root), split_of, leaf_weights))
    post = int(node.attr("post_transform", 0))
    aggregate = int(node.attr("aggregate_function", 1))
    return _ensemble(node, trees, n_targets, np.zeros(0),
                     POST_TRANSFORMS[post] if 0 <= post < len(POST_TRANSFORMS) else f"{post}",
                     AGGREGATES[aggregate] if 0 <= aggregate < len(AGGREGATES) else f"{aggregate}")


def _member_sets(values: list[float]) -> list[tuple[float, ...]]:
    """membership_values: the sets, separated by NaN."""
    sets: list[tuple[float, ...]] = []
    cur: list[float] = []
    for v in values:
        if math.isnan(v):
            sets.append(tuple(cur))
            cur = []
        else:
            cur.append(v)
    if cur:
        sets.append(tuple(cur))
    return sets


def _ensemble(node: Node, trees: list[Tree], n_targets: int, base: np.ndarray, post: str, aggregate: str) -> Ensemble:
    if not trees:
        raise UnsupportedModelError(f"{node.where()}: the ensemble has no trees")
    if aggregate not in ("SUM", "AVERAGE"):
        raise UnsupportedModelError(f"{node.where()}: aggregate_function {aggregate} is not supported (SUM and "
                                    "AVERAGE are: every converter of boosted trees and forests emits one of them)")
    if post not in ("NONE", "LOGISTIC", "SOFTMAX"):
        raise UnsupportedModelError(f"{node.where()}: post_transform {post} is not supported (NONE, LOGISTIC and "
                                    "SOFTMAX are)")
    if post == "SOFTMAX" and n_targets < 2:
        raise UnsupportedModelError(f"{node.where()}: post_transform SOFTMAX over a single score")
    if base.size not in (0, 1, n_targets):
        raise UnsupportedModelError(f"{node.where()}: {base.size} base values for {n_targets} targets")
    for w in (leaf for t in trees for leaf in t.nodes if not isinstance(leaf, Split)):
        if not np.all(np.isfinite(w)):
            raise UnsupportedModelError(f"{node.where()}: a leaf weight is not finite")
    for s in (s for t in trees for s in t.nodes if isinstance(s, Split)):
        if not all(math.isfinite(v) for v in s.values) or s.feature < 0:
            raise UnsupportedModelError(f"{node.where()}: a node has a non-finite threshold or a negative feature id")
    return Ensemble(tuple(trees), n_targets, base, post, aggregate)


# --- binning ---------------------------------------------------------------------------------

def _intervals(s: Split, scale: int) -> tuple[list[int], Any]:
    """The cuts a node's test needs at input scale ``scale``, and the test as a function of the
    integer q = x·2^scale."""
    scaled = [Fraction(v) * (1 << scale) for v in s.values]
    if s.mode in ("BRANCH_LEQ", "BRANCH_GT"):
        c = math.floor(scaled[0])
        return [c], (lambda q: q <= c) if s.mode == "BRANCH_LEQ" else (lambda q: q > c)
    if s.mode in ("BRANCH_LT", "BRANCH_GTE"):
        c = math.ceil(scaled[0]) - 1
        return [c], (lambda q: q <= c) if s.mode == "BRANCH_LT" else (lambda q: q > c)
    points = {int(v) for v in scaled if v.denominator == 1}  # an off-grid value equals no integer q
    cuts = sorted({p for v in points for p in (v - 1, v)})
    if s.mode == "BRANCH_NEQ":
        return cuts, lambda q: q not in points
    return cuts, lambda q: q in points  # BRANCH_EQ, BRANCH_MEMBER


@dataclass(frozen=True)
class Binned:
    """An ensemble as integer structure at one input scale (everything the circuit builds from,
    and nothing secret but the cuts and leaf weights, which the lowering makes parameters).

    - ``features``: the input features tested, in order; ``cuts[k]`` the sorted distinct cuts of
      ``features[k]``. Bin b of a feature is ``cuts[b-1] < q <= cuts[b]`` (bin 0 below the first
      cut, bin len(cuts) above the last).
    - per tree, per node: an internal node is ``(slot, bins, true, false)`` — the feature's index
      in ``features``, the bins where the test holds, and the children's node indices; a leaf is
      its row in ``Ensemble.weights()``.
    - ``pattern``: the (leaf, target) pairs whose weight is nonzero, in the order the leaf-weight
      parameter lists them; ``n_targets`` the scores' length.
    """

    features: tuple[int, ...]
    cuts: tuple[tuple[int, ...], ...]
    trees: tuple[tuple[tuple[int, tuple[int, ...], int, int] | int, ...], ...]
    pattern: tuple[tuple[int, int], ...]
    n_targets: int

    def bin_of(self, slot: int, q: np.ndarray) -> np.ndarray:
        """Each value's bin for feature slot ``slot``: the number of cuts below it."""
        return np.searchsorted(np.asarray(self.cuts[slot], dtype=object), np.asarray(q, dtype=object), side="left")


def bin_ensemble(e: Ensemble, scale: int, n_features: int) -> Binned:
    """The ensemble's integer structure at input scale ``scale`` (see :class:`Binned`)."""
    used = sorted(e.features())
    if used and used[-1] >= n_features:
        raise UnsupportedModelError(f"a node tests feature {used[-1]}, but the input has {n_features} features")
    slot = {f: k for k, f in enumerate(used)}
    tests: dict[tuple[int, int, int], Any] = {}
    cuts: dict[int, set[int]] = {f: set() for f in used}
    for ti, t in enumerate(e.trees):
        for ni, n in enumerate(t.nodes):
            if isinstance(n, Split):
                c, test = _intervals(n, scale)
                cuts[n.feature].update(c)
                tests[(ti, ni, n.feature)] = test
    sorted_cuts = {f: sorted(cs) for f, cs in cuts.items()}
    trees = []
    leaf = 0
    for ti, t in enumerate(e.trees):
        out: list[tuple[int, tuple[int, ...], int, int] | int] = []
        for ni, n in enumerate(t.nodes):
            if isinstance(n, Split):
                cs = sorted_cuts[n.feature]
                # a representative integer of every bin: its top cut, and one above the last
                reps = cs + [cs[-1] + 1] if cs else [0]
                bins = tuple(b for b, q in enumerate(reps) if tests[(ti, ni, n.feature)](q))
                out.append((slot[n.feature], bins, n.true, n.false))
            else:
                out.append(leaf)
                leaf += 1
        trees.append(tuple(out))
    pattern = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(e.weights())))
    return Binned(tuple(used), tuple(tuple(sorted_cuts[f]) for f in used), tuple(trees), pattern, e.n_targets)


def scores(b: Binned, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The integer model: (samples, n_targets) sums of the reached leaves' weights, for x of
    shape (samples, features) and the nonzero leaf weights in ``b.pattern`` order. Exact
    (Python integers when int64 could overflow)."""
    bins = [b.bin_of(k, x[:, f]) for k, f in enumerate(b.features)]
    leaves = leaf_per_tree(b, bins, len(x))
    n_leaves = sum(1 for t in b.trees for node in t if isinstance(node, int))
    table = np.zeros((n_leaves, b.n_targets), dtype=object)
    for (leaf, target), w in zip(b.pattern, np.asarray(weights).ravel()):
        table[leaf, target] = int(w)
    return table[leaves].sum(axis=1)


def leaf_per_tree(b: Binned, bins: list[np.ndarray], samples: int) -> np.ndarray:
    """(samples, trees): the leaf (row of the weights) each sample reaches, from its bins per
    feature slot (``bins[slot]`` of shape (samples,))."""
    cols = np.arange(samples)
    out = np.zeros((samples, len(b.trees)), dtype=np.int64)
    for ti, tree in enumerate(b.trees):
        n = len(tree)
        leaf = np.array([isinstance(x, int) for x in tree])
        yes, no, index = np.arange(n), np.arange(n), np.zeros(n, dtype=np.int64)  # a leaf stays put
        decision = np.ones((n, samples), dtype=bool)
        for i, x in enumerate(tree):
            if isinstance(x, int):
                index[i] = x
            else:
                slot, true_bins, yes[i], no[i] = x
                decision[i] = np.isin(np.asarray(bins[slot], dtype=np.int64), true_bins)
        at = np.zeros(samples, dtype=np.int64)
        while not leaf[at].all():
            at = np.where(decision[at, cols], yes[at], no[at])
        out[:, ti] = index[at]
    return out
