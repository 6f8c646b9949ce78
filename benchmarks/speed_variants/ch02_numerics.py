"""Calibration variants for ch02's speed test (stable_softmax on 16384x16 float32).

Correct vectorized answers a student may write, and Python loops the speed test
must catch. Each value is a module source; only stable_softmax is called.
"""

H = "import torch\n\n"

VARIANTS = {
    "stable_softmax": {
        "vectorized": {
            "max-shift": H
            + """
def stable_softmax(x, dim=-1):
    e = torch.exp(x - x.max(dim=dim, keepdim=True).values)
    return e / e.sum(dim=dim, keepdim=True)
""",
            "logsumexp form": H
            + """
def stable_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    lse = m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))
    return torch.exp(x - lse)
""",
            "float64 inside": H
            + """
def stable_softmax(x, dim=-1):
    y = x.double()
    e = torch.exp(y - y.max(dim=dim, keepdim=True).values)
    return (e / e.sum(dim=dim, keepdim=True)).to(x.dtype)
""",
            "in place on a copy": H
            + """
def stable_softmax(x, dim=-1):
    y = x.clone()
    y -= y.max(dim=dim, keepdim=True).values
    y.exp_()
    y /= y.sum(dim=dim, keepdim=True)
    return y
""",
        },
        "loops": {
            "loop over rows": H
            + """
def stable_softmax(x, dim=-1):
    out = torch.empty_like(x)
    for i in range(x.shape[0]):
        r = x[i]
        e = torch.exp(r - r.max())
        out[i] = e / e.sum()
    return out
""",
            "rows via unbind + stack": H
            + """
def stable_softmax(x, dim=-1):
    rows = []
    for r in x.unbind(0):
        e = (r - r.max()).exp()
        rows.append(e / e.sum())
    return torch.stack(rows)
""",
            "pure Python lists": H
            + """
import math

def stable_softmax(x, dim=-1):
    out = []
    for row in x.tolist():
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = sum(e)
        out.append([v / s for v in e])
    return torch.tensor(out, dtype=x.dtype)
""",
        },
    },
}
