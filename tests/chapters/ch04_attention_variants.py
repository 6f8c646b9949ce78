"""Implementations of the ch04 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks; REPRESENTATION[function] are correct mathematics with a
slip of representation (a list for the tuple, float64 for float32 input, a numpy
array) or a missed edge case (AssertionError instead of ValueError), each losing
exactly what it names and keeping its rule and speed points. Every function in CORRECT is self-contained (the
multi-head attention does not call scaled_dot_product_attention), so a wrong
implementation of one function cannot cost another its points.
"""

from tests.chapters.harness import module

CHAPTER = "ch04_attention"
MIN_WRONG = 3  # wrong implementations every function needs

HEADER = "import math\nimport torch\n"

CORRECT = {
    "scaled_dot_product_attention": """
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return w @ v, w
""",
    "multi_head_attention": """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    if D % num_heads != 0:
        raise ValueError("num_heads must divide D")
    dh = D // num_heads
    q, k, v = ((x @ w).reshape(B, L, num_heads, dh).transpose(1, 2) for w in (w_q, w_k, w_v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    heads = torch.softmax(scores, dim=-1) @ v
    return heads.transpose(1, 2).reshape(B, L, D) @ w_o
""",
    "sinusoidal_positional_encoding": """
def sinusoidal_positional_encoding(seq_len, d_model):
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    i = torch.arange(d_model) // 2
    angle = pos / 10000.0 ** (2 * i / d_model)
    even = torch.arange(d_model) % 2 == 0
    return torch.where(even, torch.sin(angle), torch.cos(angle)).float()
""",
}


def _sdpa(
    scores_line="scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])",
    mask_line='scores = scores.masked_fill(~mask, float("-inf"))',
    softmax_line="w = torch.softmax(scores, dim=-1)",
    ret="return w @ v, w",
):
    return f"""
def scaled_dot_product_attention(q, k, v, mask=None):
    {scores_line}
    if mask is not None:
        {mask_line}
    {softmax_line}
    {ret}
"""


def _mha(
    proj="(x @ w)",
    split=".reshape(B, L, num_heads, dh).transpose(1, 2)",
    scale="math.sqrt(dh)",
    mask_line='scores = scores.masked_fill(~mask, float("-inf"))',
    dim="-1",
    merge="heads.transpose(1, 2).reshape(B, L, D) @ w_o",
    check="if D % num_heads != 0:",
):
    return f"""
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    {check}
        raise ValueError("num_heads must divide D")
    dh = D // num_heads
    q, k, v = ({proj}{split} for w in (w_q, w_k, w_v))
    scores = q @ k.transpose(-2, -1) / {scale}
    if mask is not None:
        {mask_line}
    heads = torch.softmax(scores, dim={dim}) @ v
    return {merge}
"""


def _pe(body):
    return "def sinusoidal_positional_encoding(seq_len, d_model):\n" + body


WRONG = {
    "scaled_dot_product_attention": {
        "softmax over the query axis": _sdpa(softmax_line="w = torch.softmax(scores, dim=-2)"),
        "scales by d instead of sqrt(d)": _sdpa(scores_line="scores = q @ k.transpose(-2, -1) / q.shape[-1]"),
        "scales by sqrt(dv)": _sdpa(scores_line="scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])"),
        "mask meaning inverted": _sdpa(mask_line='scores = scores.masked_fill(mask, float("-inf"))'),
        "masked scores set to 0 instead of -inf": _sdpa(mask_line="scores = scores.masked_fill(~mask, 0.0)"),
        "naive exp softmax (no max shift)": _sdpa(
            softmax_line="e = torch.exp(scores); w = e / e.sum(dim=-1, keepdim=True)"
        ),
        "k.T instead of k.transpose(-2, -1)": _sdpa(scores_line="scores = q @ k.T / math.sqrt(q.shape[-1])"),
        "right values, but calls torch's fused attention (rule)": """
def scaled_dot_product_attention(q, k, v, mask=None):
    from torch.nn.functional import scaled_dot_product_attention as fused
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return fused(q, k, v, attn_mask=mask), torch.softmax(scores, dim=-1)
""",
    },
    "multi_head_attention": {
        "heads split with view(B, h, L, dh), no transpose": _mha(
            split=".reshape(B, num_heads, L, dh)", merge="heads.reshape(B, L, D) @ w_o"
        ),
        "strided (interleaved) head split": _mha(
            split=".reshape(B, L, dh, num_heads).permute(0, 3, 1, 2)",
            merge="heads.permute(0, 2, 3, 1).reshape(B, L, D) @ w_o",
        ),
        "scales by sqrt(D) instead of sqrt(D/h)": _mha(scale="math.sqrt(D)"),
        "forgets w_o": _mha(merge="heads.transpose(1, 2).reshape(B, L, D)"),
        "x @ w.T instead of x @ w": _mha(proj="(x @ w.T)", merge="heads.transpose(1, 2).reshape(B, L, D) @ w_o.T"),
        "softmax over the query axis": _mha(dim="-2"),
        "ignores the mask": _mha(mask_line="pass"),
        "concat without moving the head axis back": _mha(merge="heads.reshape(B, L, D) @ w_o"),
        "a mask's head axis dropped (head 0's mask for every head)": """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    if D % num_heads != 0:
        raise ValueError("num_heads must divide D")
    dh = D // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    outs = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        scores = q[..., cols] @ k[..., cols].transpose(-2, -1) / math.sqrt(dh)
        if mask is not None:
            m = mask[:, 0] if mask.dim() == 4 else mask
            scores = scores.masked_fill(~m, float("-inf"))
        outs.append(torch.softmax(scores, dim=-1) @ v[..., cols])
    return torch.cat(outs, dim=-1) @ w_o
""",
        "right values, but torch's fused attention per head (rule)": _mha(
            mask_line="pass",
            merge="(F.scaled_dot_product_attention(q, k, v, attn_mask=mask)).transpose(1, 2).reshape(B, L, D) @ w_o",
        ).replace("    B, L, D = x.shape", "    F = torch.nn.functional\n    B, L, D = x.shape"),
    },
    "sinusoidal_positional_encoding": {
        "sin and cos swapped": _pe("""
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (2 * (torch.arange(d_model) // 2) / d_model)
    return torch.where(torch.arange(d_model) % 2 == 0, torch.cos(angle), torch.sin(angle)).float()
"""),
        "column index j instead of the pair index in the exponent": _pe("""
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (torch.arange(d_model) / d_model)
    return torch.where(torch.arange(d_model) % 2 == 0, torch.sin(angle), torch.cos(angle)).float()
"""),
        "2j/d with j the column index": _pe("""
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (2 * torch.arange(d_model) / d_model)
    return torch.where(torch.arange(d_model) % 2 == 0, torch.sin(angle), torch.cos(angle)).float()
"""),
        "crashes for odd d_model": _pe("""
    pe = torch.zeros(seq_len, d_model)
    pos = torch.arange(seq_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe
"""),
    },
}

ALTERNATIVES = {
    "loop over heads, hand-written softmax, -1e9 mask, tutorial PE": module(
        HEADER,
        {
            "scaled_dot_product_attention": """
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(k.size(-1)))
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
    scores = scores - scores.max(dim=-1, keepdim=True).values
    e = scores.exp()
    w = e / e.sum(dim=-1, keepdim=True)
    return torch.matmul(w, v), w
""",
            "multi_head_attention": """
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
""",
            "sinusoidal_positional_encoding": """
def sinusoidal_positional_encoding(seq_len, d_model):
    pe = torch.zeros(seq_len, d_model)
    position = torch.arange(0, seq_len, dtype=torch.float).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])
    return pe
""",
        },
    ),
    "einsum, float64 internally, w_o applied per head": module(
        HEADER,
        {
            "scaled_dot_product_attention": """
def scaled_dot_product_attention(q, k, v, mask=None):
    q64, k64, v64 = q.double(), k.double(), v.double()
    scores = torch.einsum("...id,...jd->...ij", q64, k64) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device))
    w = scores.softmax(dim=-1)
    return torch.einsum("...ij,...jd->...id", w, v64).to(q.dtype), w.to(q.dtype)
""",
            "multi_head_attention": """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    if D % num_heads != 0:
        raise ValueError("D % num_heads != 0")
    dh = D // num_heads
    x64 = x.double()
    wq, wk, wv = (w.double().reshape(D, num_heads, dh) for w in (w_q, w_k, w_v))
    q = torch.einsum("bld,dhe->bhle", x64, wq)
    k = torch.einsum("bld,dhe->bhle", x64, wk)
    v = torch.einsum("bld,dhe->bhle", x64, wv)
    scores = torch.einsum("bhie,bhje->bhij", q, k) / math.sqrt(dh)
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), -math.inf)
    o = torch.einsum("bhij,bhje->bhie", torch.softmax(scores, -1), v)
    out = torch.einsum("bhie,hef->bif", o, w_o.double().reshape(num_heads, dh, D))
    return out.to(x.dtype)
""",
            "sinusoidal_positional_encoding": """
def sinusoidal_positional_encoding(seq_len, d_model):
    pos = torch.arange(seq_len, dtype=torch.float32)[:, None]
    freq = torch.pow(torch.tensor(10000.0), -(2 * (torch.arange(d_model) // 2)).float() / d_model)
    angle = pos * freq
    pe = torch.empty(seq_len, d_model)
    pe[:, 0::2] = torch.sin(angle[:, 0::2])
    pe[:, 1::2] = torch.cos(angle[:, 1::2])
    return pe
""",
        },
    ),
    "scaled q, exp(s - logsumexp), view/permute, calls own SDPA": module(
        HEADER,
        {
            "scaled_dot_product_attention": """
def scaled_dot_product_attention(q, k, v, mask=None):
    s = (q / math.sqrt(q.shape[-1])) @ k.mT
    if mask is not None:
        s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
    w = torch.exp(s - torch.logsumexp(s, dim=-1, keepdim=True))
    return w @ v, w
""",
            "multi_head_attention": """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    if num_heads <= 0 or D % num_heads:
        raise ValueError("bad num_heads")
    dh = D // num_heads
    def heads(t):
        return t.contiguous().view(B, L, num_heads, dh).permute(0, 2, 1, 3)
    o, _ = scaled_dot_product_attention(heads(torch.matmul(x, w_q)), heads(torch.matmul(x, w_k)),
                                        heads(torch.matmul(x, w_v)), mask)
    return torch.matmul(o.permute(0, 2, 1, 3).contiguous().view(B, L, D), w_o)
""",
            "sinusoidal_positional_encoding": """
def sinusoidal_positional_encoding(seq_len, d_model):
    half = (d_model + 1) // 2
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    angle = pos / 10000.0 ** (torch.arange(half, dtype=torch.float64) * 2 / d_model)
    pe = torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(seq_len, 2 * half)
    return pe[:, :d_model].to(torch.float32)
""",
        },
    ),
}


# Correct mathematics with another representation or a missed edge case: (source, what it must
# lose: "type" = the function's type test, "edge" = its edge test). Each keeps its rule and speed points.
REPRESENTATION = {
    "scaled_dot_product_attention": {
        "returns [out, weights], a list": (
            """
def scaled_dot_product_attention(q, k, v, mask=None):
    logits = torch.matmul(q, k.transpose(-2, -1)) / q.size(-1) ** 0.5
    if mask is not None:
        logits = logits.masked_fill(mask.logical_not(), -math.inf)
    attn = logits.softmax(dim=-1)
    return [attn @ v, attn]
""",
            ("type",),
        ),
        "float64 weights for float32 input": (
            """
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q.double() @ k.double().transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # float64, more precise than q
    return (weights @ v.double()).to(q.dtype), weights
""",
            ("type",),
        ),
    },
    "multi_head_attention": {
        # the Annotated Transformer's MultiHeadedAttention.forward, as a function of this contract
        "Annotated Transformer: assert d_model % h == 0": (
            """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    nbatches, _, d_model = x.size()
    assert d_model % num_heads == 0
    d_k = d_model // num_heads
    query, key, value = [(x @ w).view(nbatches, -1, num_heads, d_k).transpose(1, 2) for w in (w_q, w_k, w_v)]
    scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e9)
    p_attn = scores.softmax(dim=-1)
    out = torch.matmul(p_attn, value).transpose(1, 2).contiguous().view(nbatches, -1, num_heads * d_k)
    return out @ w_o
""",
            ("edge",),
        ),
        "no ValueError (reshape raises RuntimeError)": (_mha(check="if False:"), ("edge",)),
        "computed in float64, not cast back": (
            """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, L, D = x.shape
    if D % num_heads:
        raise ValueError(f"num_heads={num_heads} does not divide D={D}")
    dh = D // num_heads
    x64 = x.double()
    q, k, v = (torch.einsum("bld,de->ble", x64, w.double()).reshape(B, L, num_heads, dh) for w in (w_q, w_k, w_v))
    scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(dh)
    if mask is not None:
        scores = torch.where(mask, scores, -math.inf)
    heads = torch.einsum("bhqk,bkhe->bqhe", scores.softmax(-1), v).reshape(B, L, D)
    return heads @ w_o.double()
""",
            ("type",),
        ),
        # minGPT's CausalSelfAttention.forward (one c_attn matrix split into q, k, v), float64 inside
        "minGPT: assert n_embd % n_head == 0, and a float64 result": (
            """
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    B, T, C = x.size()
    assert C % num_heads == 0
    x = x.double()
    q, k, v = (x @ torch.cat([w_q, w_k, w_v], dim=1).double()).split(C, dim=2)
    k = k.view(B, T, num_heads, C // num_heads).transpose(1, 2)
    q = q.view(B, T, num_heads, C // num_heads).transpose(1, 2)
    v = v.view(B, T, num_heads, C // num_heads).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    if mask is not None:
        att = att.masked_fill(mask == 0, float("-inf"))
    att = torch.softmax(att, dim=-1)
    y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
    return y @ w_o.double()
""",
            ("type", "edge"),
        ),
    },
    "sinusoidal_positional_encoding": {
        "float64 table, not cast to float32": (
            """
def sinusoidal_positional_encoding(seq_len, d_model):
    pos = torch.arange(seq_len, dtype=torch.float64).unsqueeze(1)
    rate = torch.exp(-(2 * (torch.arange(d_model) // 2)).double() * math.log(10000.0) / d_model)
    angle = pos * rate
    pe = angle.clone()
    pe[:, 0::2] = torch.sin(angle[:, 0::2])
    pe[:, 1::2] = torch.cos(angle[:, 1::2])
    return pe
""",
            ("type",),
        ),
        "a numpy array": (
            """
def sinusoidal_positional_encoding(seq_len, d_model):
    import numpy as np
    pos = np.arange(seq_len)[:, None]
    j = np.arange(d_model)
    angle = pos / np.power(10000.0, 2 * (j // 2) / d_model)
    return np.where(j % 2 == 0, np.sin(angle), np.cos(angle)).astype(np.float32)
""",
            ("type",),
        ),
    },
}
