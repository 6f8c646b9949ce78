"""The ch04 reference against independent oracles: torch's own fused attention
(torch.nn.functional.scaled_dot_product_attention), torch.nn.MultiheadAttention,
a per-row softmax written with math.exp, and a closed-form loop for the positional
encoding. Everything in float64 (the encoding's float32 output to half an ulp)."""

import math

import numpy as np
import pytest
import torch

CHAPTER = "ch04_attention"


def _allowed(rng, shape):
    m = rng.random(shape) < 0.6
    keep = rng.integers(0, shape[-1], size=shape[:-1] + (1,))
    np.put_along_axis(m, keep, True, axis=-1)
    return torch.tensor(m)


SDPA_SHAPES = [  # batch, Lq, Lk, d, dv, mask shape (None: no mask)
    ((), 5, 7, 3, 6, None),
    ((3,), 4, 9, 5, 2, (4, 9)),
    ((2, 3), 6, 6, 7, 7, "causal"),
    ((2, 3), 5, 11, 4, 9, (2, 1, 1, 11)),
    ((4,), 1, 3, 1, 5, (4, 1, 3)),
]


@pytest.mark.parametrize(("batch", "lq", "lk", "d", "dv", "mshape"), SDPA_SHAPES)
def test_sdpa_matches_torch_fused_attention(reference, batch, lq, lk, d, dv, mshape):
    rng = np.random.default_rng(lq * 100 + lk)
    q, k = (torch.tensor(rng.standard_normal(batch + (n, d)) * 2) for n in (lq, lk))
    v = torch.tensor(rng.standard_normal(batch + (lk, dv)))
    mask = None
    if mshape == "causal":
        mask = torch.ones(lq, lk, dtype=torch.bool).tril()
    elif mshape is not None:
        mask = _allowed(rng, mshape)
    out, w = reference.scaled_dot_product_attention(q, k, v, mask)
    oracle = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert out.dtype == torch.float64 and out.shape == batch + (lq, dv) and w.shape == batch + (lq, lk)
    torch.testing.assert_close(out, oracle, rtol=1e-12, atol=1e-12)
    # the weights, row by row with math.exp
    scores = (q @ k.transpose(-2, -1) / math.sqrt(d)).reshape(-1, lq, lk)
    allowed = (
        torch.ones(batch + (lq, lk), dtype=torch.bool) if mask is None else mask.expand(batch + (lq, lk))
    ).reshape(-1, lq, lk)
    expected = np.zeros(scores.shape)
    for b in range(scores.shape[0]):
        for i in range(lq):
            row = [math.exp(float(s)) if a else 0.0 for s, a in zip(scores[b, i], allowed[b, i])]
            expected[b, i] = np.array(row) / math.fsum(row)
    np.testing.assert_allclose(w.reshape(-1, lq, lk).numpy(), expected, rtol=1e-12, atol=0)
    assert bool((w.reshape(-1, lq, lk)[~allowed] == 0).all())


MHA_CASES = [  # B, L, D, heads, mask kind
    (2, 5, 6, 2, None),
    (3, 7, 15, 3, "causal"),
    (1, 4, 15, 5, "per-sequence"),
    (2, 6, 10, 1, "padding"),
    (2, 3, 7, 7, None),
    (3, 6, 12, 3, "per-head"),
    (2, 5, 10, 5, "per-head keys"),
]


@pytest.mark.parametrize(("b", "length", "d", "heads", "kind"), MHA_CASES)
def test_mha_matches_torch_multihead_attention(reference, b, length, d, heads, kind):
    rng = np.random.default_rng(b * 1000 + length * 10 + d)
    x = torch.tensor(rng.standard_normal((b, length, d)))
    w_q, w_k, w_v, w_o = (torch.tensor(rng.standard_normal((d, d)) / math.sqrt(d)) for _ in range(4))
    mha = torch.nn.MultiheadAttention(d, heads, bias=False, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([w_q.T, w_k.T, w_v.T]))
        mha.out_proj.weight.copy_(w_o.T)
    mask, kwargs = None, {}
    if kind == "causal":
        mask = torch.ones(length, length, dtype=torch.bool).tril()
        kwargs = dict(attn_mask=~mask)
    elif kind == "per-sequence":
        mask = _allowed(rng, (b, 1, length, length))
        kwargs = dict(attn_mask=(~mask).expand(b, heads, length, length).reshape(b * heads, length, length))
    elif kind in ("per-head", "per-head keys"):  # a head axis: (B, H, L, L) or (1, H, 1, L)
        mask = _allowed(rng, (b, heads, length, length) if kind == "per-head" else (1, heads, 1, length))
        kwargs = dict(attn_mask=(~mask).expand(b, heads, length, length).reshape(b * heads, length, length))
    elif kind == "padding":
        lens = torch.tensor(rng.integers(1, length + 1, size=b))
        mask = (torch.arange(length)[None, :] < lens[:, None])[:, None, None, :]
        kwargs = dict(key_padding_mask=~mask[:, 0, 0, :])
    got = reference.multi_head_attention(x, w_q, w_k, w_v, w_o, heads, mask)
    with torch.no_grad():
        oracle, _ = mha(x, x, x, need_weights=False, **kwargs)
    assert got.dtype == torch.float64 and got.shape == (b, length, d)
    torch.testing.assert_close(got, oracle, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("d", "heads"), [(15, 4), (3, 2), (6, 7)])
def test_mha_rejects_heads_not_dividing_d(reference, d, heads):
    x, w = torch.ones(1, 2, d), torch.eye(d)
    with pytest.raises(ValueError):
        reference.multi_head_attention(x, w, w, w, w, heads)


@pytest.mark.parametrize(("seq_len", "d_model"), [(1, 1), (2, 4), (3, 3), (50, 7), (1000, 64), (999, 33)])
def test_positional_encoding_closed_form(reference, seq_len, d_model):
    pe = reference.sinusoidal_positional_encoding(seq_len, d_model)
    assert pe.dtype == torch.float32 and pe.shape == (seq_len, d_model) and pe.device.type == "cpu"
    expected = np.empty((seq_len, d_model))
    for pos in range(seq_len):
        for j in range(d_model):
            angle = pos / 10000 ** (2 * (j // 2) / d_model)
            expected[pos, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    # float64 angles rounded once to float32: half an ulp of values in [-1, 1]
    np.testing.assert_allclose(pe.double().numpy(), expected, rtol=0, atol=2**-25)
