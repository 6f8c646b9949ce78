"""Chapter 4 — attention (torch).

Every function takes and returns torch tensors. Outputs have the input's dtype
(float32 or float64) and device, and inputs are never modified in place.
`torch.nn.functional.scaled_dot_product_attention`, `torch.nn.MultiheadAttention`,
`torch.nn.functional.multi_head_attention_forward` (and their `torch._C` / `aten`
twins, `torch.nn.Transformer*`, `torch.nn.attention`) are not allowed: build attention
yourself. `torch.softmax` is allowed in this chapter.
"""

import math

import torch


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask=None):
    """Scaled dot-product attention with an optional boolean mask.

    scores  = q k^T / sqrt(d)                        shape (..., Lq, Lk)
    weights = softmax(scores) over the last axis     (over the keys)
    out     = weights v                              shape (..., Lq, dv)

    Where ``mask`` is False the score is replaced by -inf before the softmax, so that
    key gets weight exactly 0 for that query.

    Args:
        q: (..., Lq, d) queries, float32 or float64, any device.
        k: (..., Lk, d) keys, same dtype, device and leading (batch) dims as q.
        v: (..., Lk, dv) values, same dtype, device and leading dims; dv may differ from d.
        mask: None, or a bool tensor broadcastable to (..., Lq, Lk) on q's device;
            True = the query may attend to the key. Every query row must keep at
            least one allowed key (a fully masked row is outside the contract).

    Returns:
        (out, weights): out (..., Lq, dv) and weights (..., Lq, Lk), both with q's
        dtype and device. Each row of weights sums to 1; masked entries are 0.

    Example:
        >>> q = torch.tensor([[1., 0.]]); k = torch.tensor([[1., 0.], [0., 1.]])
        >>> v = torch.tensor([[1., 2.], [3., 4.]])
        >>> out, w = scaled_dot_product_attention(q, k, v)
        >>> w      # softmax([1/sqrt(2), 0])
        tensor([[0.6698, 0.3302]])
        >>> out
        tensor([[1.6605, 2.6605]])
    """
    raise NotImplementedError("scaled_dot_product_attention")


def multi_head_attention(
    x: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    w_v: torch.Tensor,
    w_o: torch.Tensor,
    num_heads: int,
    mask=None,
) -> torch.Tensor:
    """Multi-head self-attention (no biases).

    Q = x w_q, K = x w_k, V = x w_v                  each (B, L, D)
    split the last axis into num_heads contiguous blocks of dh = D / num_heads:
        head h uses columns h*dh ... (h+1)*dh - 1    -> (B, num_heads, L, dh)
    O_h = softmax(Q_h K_h^T / sqrt(dh)) V_h          per head, (B, L, dh)
    out = concat(O_0, ..., O_{num_heads-1}) w_o      (B, L, D)

    Args:
        x: (B, L, D), float32 or float64, any device.
        w_q, w_k, w_v, w_o: (D, D), x's dtype and device, applied as x @ w (not w^T).
        num_heads: positive int dividing D.
        mask: None, or a bool tensor broadcastable to (B, num_heads, L, L), True = may
            attend: e.g. (L, L) (the same for every sequence and head, such as a causal
            mask), (B, 1, L, L) or (B, 1, 1, L) (per sequence, shared by the heads).

    Returns:
        (B, L, D) tensor with x's dtype and device.

    Raises:
        ValueError: when D % num_heads != 0 (or num_heads < 1).

    Example:
        >>> x = torch.tensor([[[1., 0.], [0., 1.]]]); I = torch.eye(2)
        >>> multi_head_attention(x, I, I, I, I, num_heads=2)
        tensor([[[0.7311, 0.5000],
                 [0.5000, 0.7311]]])
    """
    raise NotImplementedError("multi_head_attention")


def sinusoidal_positional_encoding(seq_len: int, d_model: int) -> torch.Tensor:
    """The sinusoidal positional encoding of "Attention is all you need".

    PE[pos, 2i]   = sin(pos / 10000^(2i / d_model))
    PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))

    i is the index of the (sin, cos) pair, so columns 2i and 2i+1 share one frequency.
    For odd d_model the last column is a sin without its cos partner.

    Args:
        seq_len: number of positions (pos = 0 .. seq_len-1), a positive int.
        d_model: number of columns, a positive int (odd allowed).

    Returns:
        (seq_len, d_model) torch.float32 tensor on the CPU. (The angles are computed in
        float64 and the result rounded once to float32.)

    Example:
        >>> sinusoidal_positional_encoding(2, 4)
        tensor([[0.0000, 1.0000, 0.0000, 1.0000],
                [0.8415, 0.5403, 0.0100, 0.9999]])
    """
    raise NotImplementedError("sinusoidal_positional_encoding")
