"""Calibration variants for ch04's speed test (multi_head_attention, many short sequences).

Correct vectorized answers a student may write, and Python loops the speed test must
catch. Each value is a module source; only multi_head_attention is called (mask=None in
the timed inputs, but every variant keeps a working mask path).
"""

H = "import math\n\nimport torch\n\n"

_CHECK = """
def _check_heads(D, num_heads):
    if num_heads < 1 or D % num_heads != 0:
        raise ValueError(f"num_heads={num_heads} does not divide D={D}")
    return D // num_heads
"""

VARIANTS = {
    "multi_head_attention": {
        "vectorized": {
            "einsum": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    q = torch.einsum("bld,de->ble", x, w_q).reshape(B, L, num_heads, dh)
    k = torch.einsum("bld,de->ble", x, w_k).reshape(B, L, num_heads, dh)
    v = torch.einsum("bld,de->ble", x, w_v).reshape(B, L, num_heads, dh)
    scores = torch.einsum("bihd,bjhd->bhij", q, k) / math.sqrt(dh)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    heads = torch.einsum("bhij,bjhd->bihd", weights, v).reshape(B, L, D)
    return torch.einsum("bld,de->ble", heads, w_o)
""",
            "own sdpa + permute": H
            + _CHECK
            + """
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    scores = scores - scores.amax(dim=-1, keepdim=True)
    e = scores.exp()
    weights = e / e.sum(dim=-1, keepdim=True)
    return torch.matmul(weights, v), weights


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    q, k, v = (torch.matmul(x, w).view(B, L, num_heads, dh).permute(0, 2, 1, 3) for w in (w_q, w_k, w_v))
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    return torch.matmul(out.permute(0, 2, 1, 3).contiguous().view(B, L, D), w_o)
""",
            "batched view + baddbmm": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    qkv = (x.reshape(B * L, D) @ torch.cat([w_q, w_k, w_v], dim=1)).reshape(B, L, 3, num_heads, dh)
    qkv = qkv.permute(2, 0, 3, 1, 4).reshape(3, B * num_heads, L, dh)
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = torch.baddbmm(torch.zeros((), dtype=x.dtype, device=x.device), q, k.transpose(1, 2),
                           beta=0.0, alpha=1.0 / math.sqrt(dh))
    if mask is not None:
        m = torch.broadcast_to(mask, (B, num_heads, L, L)).reshape(B * num_heads, L, L)
        scores = torch.where(m, scores, torch.tensor(float("-inf"), dtype=x.dtype, device=x.device))
    heads = torch.bmm(torch.softmax(scores, dim=-1), v)
    concat = heads.reshape(B, num_heads, L, dh).transpose(1, 2).reshape(B * L, D)
    return (concat @ w_o).reshape(B, L, D)
""",
            "float64 inside": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    xd = x.double()
    split = lambda t: t.reshape(B, L, num_heads, dh).transpose(1, 2)
    q, k, v = split(xd @ w_q.double()), split(xd @ w_k.double()), split(xd @ w_v.double())
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    heads = torch.softmax(scores, dim=-1) @ v
    return (heads.transpose(1, 2).reshape(B, L, D) @ w_o.double()).to(x.dtype)
""",
            "per-head output projection": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    # weights split by head: (D, D) -> (num_heads, D, dh); w_o -> (num_heads, dh, D)
    wq, wk, wv = (w.reshape(D, num_heads, dh).permute(1, 0, 2) for w in (w_q, w_k, w_v))
    xs = x.unsqueeze(1)                                   # (B, 1, L, D)
    q, k, v = xs @ wq, xs @ wk, xs @ wv                   # (B, num_heads, L, dh)
    scores = (q * (1.0 / math.sqrt(dh))) @ k.transpose(-2, -1)
    if mask is not None:
        scores = torch.where(mask, scores, float("-inf"))
    heads = scores.softmax(dim=-1) @ v                    # (B, num_heads, L, dh)
    return (heads @ w_o.reshape(num_heads, dh, D)).sum(dim=1)
""",
            "always a mask (ones if None)": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    if mask is None:
        mask = torch.ones(L, L, dtype=torch.bool, device=x.device)
    q = (x @ w_q).reshape(B, L, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).reshape(B, L, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).reshape(B, L, num_heads, dh).transpose(1, 2)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
    scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    scores = scores - scores.max(dim=-1, keepdim=True).values
    w = torch.exp(scores)
    w = w / w.sum(dim=-1, keepdim=True)
    return (w @ v).transpose(1, 2).reshape(B, L, D) @ w_o
""",
        },
        "loops": {
            "loop over (batch, head)": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    out = torch.empty_like(x)
    for b in range(B):
        for h in range(num_heads):
            cols = slice(h * dh, (h + 1) * dh)
            scores = q[b, :, cols] @ k[b, :, cols].T / math.sqrt(dh)
            if m is not None:
                scores = scores.masked_fill(~m[b, h], float("-inf"))
            out[b, :, cols] = torch.softmax(scores, dim=-1) @ v[b, :, cols]
    return out @ w_o
""",
            "loop over sequences": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    outs = []
    for b in range(B):
        q = (x[b] @ w_q).reshape(L, num_heads, dh).transpose(0, 1)
        k = (x[b] @ w_k).reshape(L, num_heads, dh).transpose(0, 1)
        v = (x[b] @ w_v).reshape(L, num_heads, dh).transpose(0, 1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
        if m is not None:
            scores = scores.masked_fill(~m[b], float("-inf"))
        heads = torch.softmax(scores, dim=-1) @ v
        outs.append(heads.transpose(0, 1).reshape(L, D) @ w_o)
    return torch.stack(outs)
""",
            "loop over (batch, head, query)": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    out = torch.zeros_like(x)
    for b in range(B):
        for h in range(num_heads):
            cols = slice(h * dh, (h + 1) * dh)
            for i in range(L):
                s = (k[b, :, cols] @ q[b, i, cols]) / math.sqrt(dh)
                if m is not None:
                    s = s.masked_fill(~m[b, h, i], float("-inf"))
                out[b, i, cols] = torch.softmax(s, dim=0) @ v[b, :, cols]
    return out @ w_o
""",
            "loop over (head, query)": H
            + _CHECK
            + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    out = torch.empty_like(x)
    for h in range(num_heads):                     # vectorized over the batch only
        cols = slice(h * dh, (h + 1) * dh)
        kh, vh = k[:, :, cols], v[:, :, cols]      # (B, L, dh)
        for i in range(L):
            s = (kh @ q[:, i, cols, None]).squeeze(-1) / math.sqrt(dh)   # (B, L)
            if m is not None:
                s = s.masked_fill(~m[:, h, i], float("-inf"))
            out[:, i, cols] = (torch.softmax(s, dim=-1)[:, None, :] @ vh).squeeze(1)
    return out @ w_o
""",
        },
    },
}

# Loops that are too short to catch at the graded shape (num_heads or L iterations, vectorized
# over everything else); measured separately, see the docstring of the hidden test_speed.py.
SHORT_LOOPS = {
    "loop over heads": H
    + _CHECK
    + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    heads = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        scores = q[..., cols] @ k[..., cols].transpose(-2, -1) / math.sqrt(dh)
        if m is not None:
            scores = scores.masked_fill(~m[:, h], float("-inf"))
        heads.append(torch.softmax(scores, dim=-1) @ v[..., cols])
    return torch.cat(heads, dim=-1) @ w_o
""",
    "loop over query positions": H
    + _CHECK
    + """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    dh = _check_heads(D, num_heads)
    split = lambda t: t.reshape(B, L, num_heads, dh).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    m = None if mask is None else torch.broadcast_to(mask, (B, num_heads, L, L))
    rows = []
    for i in range(L):
        s = (k @ q[:, :, i, :, None]).squeeze(-1) / math.sqrt(dh)      # (B, H, L)
        if m is not None:
            s = s.masked_fill(~m[:, :, i], float("-inf"))
        rows.append((torch.softmax(s, dim=-1)[..., None, :] @ v).squeeze(-2))
    heads = torch.stack(rows, dim=2)                                     # (B, H, L, dh)
    return heads.transpose(1, 2).reshape(B, L, D) @ w_o
""",
}
