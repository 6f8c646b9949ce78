"""A partly wrong submission. Mistakes: multi_head_attention: heads split with view(B, h, L, dh), no transpose; sinusoidal_positional_encoding: crashes for odd d_model."""
import math
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ v, w


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    if D % num_heads != 0:
        raise ValueError("num_heads must divide D")
    dh = D // num_heads
    q, k, v = ((x @ w).reshape(B, num_heads, L, dh) for w in (w_q, w_k, w_v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    heads = torch.softmax(scores, dim=-1) @ v
    return heads.reshape(B, L, D) @ w_o


def sinusoidal_positional_encoding(seq_len, d_model):

    pe = torch.zeros(seq_len, d_model)
    pos = torch.arange(seq_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe
