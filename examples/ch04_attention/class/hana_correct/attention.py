"""A correct submission written differently from the reference (loop over heads, hand-written softmax, -1e9 mask, tutorial PE)."""
import math
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(k.size(-1)))
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
    scores = scores - scores.max(dim=-1, keepdim=True).values
    e = scores.exp()
    w = e / e.sum(dim=-1, keepdim=True)
    return torch.matmul(w, v), w


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    D = x.shape[-1]
    if D % num_heads:
        raise ValueError(f"{num_heads} heads do not divide D={D}")
    dh = D // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    outs = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        m = None
        if mask is not None:
            m = mask if mask.dim() < 3 else mask[:, 0] if mask.shape[1] == 1 else mask[:, h]
        o, _ = scaled_dot_product_attention(q[..., cols], k[..., cols], v[..., cols], m)
        outs.append(o)
    return torch.cat(outs, dim=-1) @ w_o


def sinusoidal_positional_encoding(seq_len, d_model):
    pe = torch.zeros(seq_len, d_model)
    position = torch.arange(0, seq_len, dtype=torch.float).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])
    return pe
