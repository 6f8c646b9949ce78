"""Implementations of the ch02 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks. Each entry is the full module source a student might submit.
REPRESENTATION[function] are correct mathematics with a slip of representation (a float32
softmax of float16 logits, float64 results, a numpy array, a list for the returned tuple,
...), a missed edge case (an all -inf slice, the default dim) or an input modified in place:
each loses exactly what it lists (tests/chapters/harness.py). "modifies the inputs in place"
(clip_grad_norm) and "numpy result" (stable_softmax) were WRONG entries before the
fair-grading policy (issue 10): their values are right, so they lose the mutation or the
type test, not the rule point.
"""

from tests.chapters.harness import module

CHAPTER = "ch02_numerics"
MIN_WRONG = 3  # wrong implementations every function needs

HEADER = "import math\nimport torch\n"

CORRECT = {
    "stable_softmax": """
def stable_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    e = torch.exp(x - m)
    return e / e.sum(dim=dim, keepdim=True)
""",
    "logsumexp": """
def logsumexp(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
""",
    "log_softmax": """
def log_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return x - (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True)))
""",
    "clip_grad_norm": """
def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads))) if grads else 0.0
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total
""",
}


WRONG = {
    "stable_softmax": {
        "no max shift": "def stable_softmax(x, dim=-1):\n    e = torch.exp(x)\n    return e / e.sum(dim=dim, keepdim=True)\n",
        "global max shift": "def stable_softmax(x, dim=-1):\n    e = torch.exp(x - x.max())\n    return e / e.sum(dim=dim, keepdim=True)\n",
        "ignores dim": "def stable_softmax(x, dim=-1):\n    e = torch.exp(x - x.amax(dim=-1, keepdim=True))\n    return e / e.sum(dim=-1, keepdim=True)\n",
        "returns float32 always": "def stable_softmax(x, dim=-1):\n    x = x.float()\n    e = torch.exp(x - x.amax(dim=dim, keepdim=True))\n    return e / e.sum(dim=dim, keepdim=True)\n",
        "treats -inf as a 0 logit": "def stable_softmax(x, dim=-1):\n    x = torch.nan_to_num(x, neginf=0.0)\n    e = torch.exp(x - x.amax(dim=dim, keepdim=True))\n    return e / e.sum(dim=dim, keepdim=True)\n",
    },
    "logsumexp": {
        "naive log(sum(exp))": "def logsumexp(x, dim=-1):\n    return torch.log(torch.exp(x).sum(dim=dim))\n",
        "forgets to add the max back": "def logsumexp(x, dim=-1):\n    m = x.amax(dim=dim, keepdim=True)\n    return torch.log(torch.exp(x - m).sum(dim=dim))\n",
        "keeps the reduced dim": "def logsumexp(x, dim=-1):\n    m = x.amax(dim=dim, keepdim=True)\n    return m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))\n",
        "global max shift": "def logsumexp(x, dim=-1):\n    m = x.max()\n    return m + torch.log(torch.exp(x - m).sum(dim=dim))\n",
    },
    "log_softmax": {
        "log of softmax": "def log_softmax(x, dim=-1):\n    return torch.log(stable_softmax(x, dim))\n",
        "forgets the log-sum term": "def log_softmax(x, dim=-1):\n    return x - x.amax(dim=dim, keepdim=True)\n",
        "naive x - log(sum(exp(x)))": "def log_softmax(x, dim=-1):\n    return x - torch.log(torch.exp(x).sum(dim=dim, keepdim=True))\n",
    },
    "clip_grad_norm": {
        "clips each tensor by its own norm": "def clip_grad_norm(grads, max_norm):\n    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))\n    return [g * min(1.0, max_norm / max(float(g.norm()), 1e-12)) for g in grads], total\n",
        "never clips": "def clip_grad_norm(grads, max_norm):\n    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))\n    return [g.clone() for g in grads], total\n",
        "returns the norm after clipping": "def clip_grad_norm(grads, max_norm):\n    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))\n    scale = max_norm / total if total > max_norm else 1.0\n    return [g * scale for g in grads], min(total, max_norm)\n",
        "always rescales to max_norm": "def clip_grad_norm(grads, max_norm):\n    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))\n    return [g * (max_norm / (total + 1e-12)) for g in grads], total\n",
        "0/0 on zero gradients": "def clip_grad_norm(grads, max_norm):\n    total = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))\n    scale = torch.clamp(max_norm / total, max=1.0) if total > max_norm else max_norm / total * 0 + 1 if total != 0 else total / total\n    return [g * scale.to(g.dtype) for g in grads], float(total)\n",
    },
}

ALTERNATIVES = {
    "exp(x - logsumexp), torch.max, torch's clip rule": module(
        HEADER,
        CORRECT,
        stable_softmax="""
def stable_softmax(x, dim=-1):
    return torch.exp(x - logsumexp(x, dim).unsqueeze(dim))
""",
        logsumexp="""
def logsumexp(x, dim=-1):
    m = torch.max(x, dim=dim, keepdim=True).values
    m = torch.nan_to_num(m, neginf=0.0)
    return (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)
""",
        clip_grad_norm="""
def clip_grad_norm(grads, max_norm):
    norms = torch.stack([torch.linalg.vector_norm(g) for g in grads])
    total = torch.linalg.vector_norm(norms)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef for g in grads], total
""",
    ),
    "float64 internally, cast back": module(
        HEADER,
        CORRECT,
        stable_softmax="""
def stable_softmax(x, dim=-1):
    y = x.to(torch.float64)
    m = y.amax(dim=dim, keepdim=True).nan_to_num(neginf=0.0)
    e = (y - m).exp()
    return (e / e.sum(dim=dim, keepdim=True)).to(x.dtype)
""",
        logsumexp="""
def logsumexp(x, dim=-1):
    y = x.to(torch.float64)
    m = y.amax(dim=dim, keepdim=True).nan_to_num(neginf=0.0)
    return (m + (y - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim).to(x.dtype)
""",
        log_softmax="""
def log_softmax(x, dim=-1):
    y = x.to(torch.float64)
    return (y - logsumexp(y, dim).unsqueeze(dim)).to(x.dtype)
""",
        clip_grad_norm="""
def clip_grad_norm(grads, max_norm):
    total = math.sqrt(sum(float(torch.sum(g.to(torch.float64) * g.to(torch.float64))) for g in grads))
    if total <= max_norm:
        return [g.clone() for g in grads], total
    return [(g.to(torch.float64) * (max_norm / total)).to(g.dtype) for g in grads], total
""",
    ),
    "float32 accumulation, exp(log_softmax)": module(
        HEADER,
        CORRECT,
        stable_softmax="""
def stable_softmax(x, dim=-1):
    return torch.exp(log_softmax(x, dim))
""",
        log_softmax="""
def log_softmax(x, dim=-1):
    work = x.float() if x.dtype == torch.float16 else x
    m = work.amax(dim=dim, keepdim=True)
    m = torch.where(m == float("-inf"), torch.zeros_like(m), m)
    shifted = work - m
    return (shifted - shifted.exp().sum(dim=dim, keepdim=True).log()).to(x.dtype)
""",
    ),
}


REPRESENTATION = {
    "stable_softmax": {
        "float16 logits computed in float32, returned as float32": (
            """
def stable_softmax(x, dim=-1):
    work = x.float() if x.dtype == torch.float16 else x
    m = work.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    e = torch.exp(work - m)
    return e / e.sum(dim=dim, keepdim=True)
""",
            ("type",),
        ),
        "a numpy array of the input's dtype (the wrong library)": (
            """
def stable_softmax(x, dim=-1):
    import numpy as np
    a = x.double().numpy()
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return (e / e.sum(axis=dim, keepdims=True)).astype(str(x.dtype).replace("torch.", ""))
""",
            ("type",),
        ),
        # the speed protocol also refuses a timed call that modifies its input (docs/speed.md)
        "mutates its input": (
            """
def stable_softmax(x, dim=-1):
    x.sub_(x.amax(dim=dim, keepdim=True))
    x.exp_()
    return x / x.sum(dim=dim, keepdim=True)
""",
            ("mutation",),
        ),
    },
    "logsumexp": {
        "computed and returned in float64": (
            """
def logsumexp(x, dim=-1):
    y = x.double()
    m = torch.nan_to_num(y.amax(dim=dim, keepdim=True), neginf=0.0)
    return (m + (y - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)
""",
            ("type",),
        ),
        "a Python float for a 1-D input": (
            """
def logsumexp(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    out = (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
    return out.item() if out.dim() == 0 else out
""",
            ("type",),
        ),
        "no guard for a slice of all -inf (nan there)": (
            """
def logsumexp(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    return (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
""",
            ("edge",),
        ),
    },
    "log_softmax": {
        "float64 inside, not cast back": (
            """
def log_softmax(x, dim=-1):
    y = x.to(torch.float64)
    m = torch.nan_to_num(y.amax(dim=dim, keepdim=True), neginf=0.0)
    shifted = y - m
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()
""",
            ("type",),
        ),
        "default dim=0": (
            """
def log_softmax(x, dim=0):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    shifted = x - m
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
""",
            ("edge",),
        ),
        "subtracts the log-sum in place": (
            """
def log_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    lse = m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))
    return x.sub_(lse)
""",
            ("mutation",),
        ),
    },
    "clip_grad_norm": {
        "returns a list [clipped, total]": (
            """
def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    scale = max_norm / total if total > max_norm else 1.0
    return [[g * scale for g in grads], total]
""",
            ("type",),
        ),
        "the clipped gradients as a tuple, the norm as a (1,) tensor": (
            """
def clip_grad_norm(grads, max_norm):
    total = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).reshape(1)
    scale = max_norm / float(total) if float(total) > max_norm else 1.0
    return tuple(g * scale for g in grads), total
""",
            ("type",),
        ),
        "float64 clipped tensors for float32 gradients": (
            """
def clip_grad_norm(grads, max_norm):
    g64 = [g.to(torch.float64) for g in grads]
    total = torch.sqrt(sum((g ** 2).sum() for g in g64))
    coef = torch.clamp(max_norm / torch.clamp(total, min=1e-300), max=1.0)
    return [g * coef for g in g64], total
""",
            ("type",),
        ),
        "modifies the inputs in place": (
            """
def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / total)
    return list(grads), total
""",
            ("mutation",),
        ),
    },
}

# Correct values, input modified in place. It should lose only its mutation test, but the speed
# protocol (grader/speed/protocol.py, _verify) also checks that a timed call leaves its input
# unchanged, and inside a graded test that finding fails the speed test as well: today it loses
# ("mutation", speed), which the harness cannot express. Move it into REPRESENTATION once the
# engine decides (a speed test failed only for a mutation keeps the speed point, or the harness
# counts it under "mutation").
