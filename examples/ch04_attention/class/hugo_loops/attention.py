"""Hugo's chapter 4: correct, but multi_head_attention loops over the sequences in Python."""
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
    # correct, but one Python iteration per sequence: loses the speed point
    B, L, D = x.shape
    if D % num_heads:
        raise ValueError(f"{num_heads} heads do not divide D={D}")
    dh = D // num_heads
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    outs = []
    for b in range(B):
        q, k, v = ((x[b] @ w).reshape(L, num_heads, dh).transpose(0, 1) for w in (w_q, w_k, w_v))
        o, _ = scaled_dot_product_attention(q, k, v, None if m is None else m[b])
        outs.append(o.transpose(0, 1).reshape(L, D) @ w_o)
    return torch.stack(outs)


def sinusoidal_positional_encoding(seq_len, d_model):
    pe = torch.zeros(seq_len, d_model)
    position = torch.arange(0, seq_len, dtype=torch.float).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])
    return pe
