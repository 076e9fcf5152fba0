"""Dot products, matrix products, convolution and pooling over tensors.

Products with constant weights are free (linear combinations); products of two private
tensors cost one constraint per scalar multiplication. Pooling and convolution gather windows
with index arithmetic (no constraints); max pooling compares.
"""

from __future__ import annotations

import numpy as np

from .builder import ArrayLike, Circuit, Tensor
from .compare import max_reduce
from .fixedpoint import div_floor


def dot(c: Circuit, a: Tensor, b: Tensor | ArrayLike) -> Tensor:
    """Σ a_i·b_i over the last axis. Private·private: m constraints for length m; with a
    constant b: free."""
    if isinstance(b, Tensor):
        return c.mul(a, b).sum(axis=-1)
    return c.linear(a, np.asarray(b))


def matmul(c: Circuit, a: Tensor, b: Tensor | ArrayLike) -> Tensor:
    """a (m×k) @ b (k×n). Private·private: m·k·n constraints; private·constant: free."""
    if not isinstance(b, Tensor):
        return c.linear(a, np.asarray(b))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: {a.shape} @ {b.shape}")
    m, k = a.shape
    n = b.shape[1]
    if m > 1:  # each b enters m products: a wide one (a parameter's bits) goes on a wire once
        b = c.narrow(b)
    prods = c.mul(a.reshape(m, k, 1).broadcast_to((m, k, n)), b.reshape(1, k, n).broadcast_to((m, k, n)))
    return prods.sum(axis=1)


def _windows(shape_chw: tuple[int, ...], kh: int, kw: int, stride: int, pad: int) -> tuple[np.ndarray, int, int]:
    """Flat indices (into the padded input, -1 = padding) of every window: (Ho·Wo, C·kh·kw)."""
    ch, h, w = shape_chw
    ho, wo = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"window {kh}x{kw} (stride {stride}, pad {pad}) does not fit input {h}x{w}")
    oy, ox = np.meshgrid(np.arange(ho) * stride - pad, np.arange(wo) * stride - pad, indexing="ij")
    ky, kx = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    ys = oy.reshape(-1, 1, 1, 1) + ky.reshape(1, 1, kh, kw)
    xs = ox.reshape(-1, 1, 1, 1) + kx.reshape(1, 1, kh, kw)
    cs = np.arange(ch).reshape(1, ch, 1, 1)
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    idx = np.where(inside, (cs * h + ys) * w + xs, -1)
    return idx.reshape(ho * wo, ch * kh * kw), ho, wo


def _gather(c: Circuit, x: Tensor, idx: np.ndarray) -> Tensor:
    """x.flatten()[idx] with -1 meaning a zero (padding)."""
    flat = c.concatenate([x.flatten(), c.constant([0])])
    return flat.take(np.where(idx < 0, x.size, idx), idx.shape)


def conv2d(c: Circuit, x: Tensor, weight: Tensor | ArrayLike, bias: Tensor | ArrayLike | None = None,
           stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution (cross-correlation, as ONNX/PyTorch) of x (C, H, W) with weight
    (O, C, kh, kw), plus bias (O,); output (O, Ho, Wo). Constant weights: free; private weights:
    O·Ho·Wo·C·kh·kw constraints."""
    if x.ndim != 3:
        raise ValueError(f"conv2d: input must be (C, H, W), got {x.shape}")
    wshape = weight.shape if isinstance(weight, Tensor) else np.shape(weight)
    o, ch, kh, kw = wshape
    if ch != x.shape[0]:
        raise ValueError(f"conv2d: {x.shape[0]} input channels, weight expects {ch}")
    idx, ho, wo = _windows(x.shape, kh, kw, stride, padding)
    cols = _gather(c, x, idx)  # (Ho·Wo, C·kh·kw)
    if isinstance(weight, Tensor):
        out = matmul(c, cols, weight.reshape(o, ch * kh * kw).T)
    else:
        out = c.linear(cols, np.asarray(weight).reshape(o, -1).T)
    out = out.T.reshape(o, ho, wo)
    if bias is not None:
        b = c.lift(bias)
        out = out + b.reshape(o, 1, 1)
    return out


def avg_pool2d(c: Circuit, x: Tensor, k: int, n: int, stride: int | None = None) -> Tensor:
    """Average over k×k windows of x (C, H, W), rounded down (floor); values signed n-bit.
    The sum is free; the division costs n + 3 constraints per output when k·k is a power of
    two, n + 2·bitlen(k·k − 1) + 3 otherwise (see fixedpoint.div_floor)."""
    s = stride or k
    idx, ho, wo = _windows((1, x.shape[1], x.shape[2]), k, k, s, 0)
    ch, h, w = x.shape
    full = (np.arange(ch).reshape(ch, 1, 1) * h * w + idx.reshape(1, ho * wo, k * k)).reshape(ch * ho * wo, k * k)
    sums = x.flatten().take(full, full.shape).sum(axis=-1)
    return div_floor(c, sums, k * k, n + 2 * (k * k).bit_length()).reshape(ch, ho, wo)


def global_avg_pool(c: Circuit, x: Tensor, n: int) -> Tensor:
    """Mean over H×W of x (C, H, W), floored: one division per channel (see avg_pool2d)."""
    ch, h, w = x.shape
    return div_floor(c, x.reshape(ch, h * w).sum(axis=-1), h * w, n + 2 * (h * w).bit_length())


def max_pool2d(c: Circuit, x: Tensor, k: int, n: int, stride: int | None = None) -> Tensor:
    """Max over k×k windows of x (C, H, W), values signed n-bit: (k² − 1)·(n + 3) constraints
    per output."""
    s = stride or k
    ch, h, w = x.shape
    idx, ho, wo = _windows((1, h, w), k, k, s, 0)
    full = (np.arange(ch).reshape(ch, 1, 1) * h * w + idx.reshape(1, ho * wo, k * k)).reshape(ch * ho * wo, k * k)
    return max_reduce(c, x.flatten().take(full, full.shape), n).reshape(ch, ho, wo)
