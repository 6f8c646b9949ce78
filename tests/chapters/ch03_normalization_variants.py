"""Implementations of the ch03 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks (each the full module source a student might submit);
REPRESENTATION[function] are correct mathematics with a slip of representation or a
missed edge case, each losing exactly what it lists.

The backward graders run the student's own forward to get the cache. So that a wrong
forward costs only the forward's points, CORRECT's forwards cache the raw inputs
(x, gamma, eps) and CORRECT's backwards recompute the statistics from them; every
wrong forward below keeps that cache (its mistake is in ``out`` or in the running
statistics), which is what "a wrong forward whose cache is still right" means.
"""

from tests.chapters.harness import module

CHAPTER = "ch03_normalization"
MIN_WRONG = 2  # kept few: each one is a full grading, ~2.7 s of CPU

HEADER = "import math\nimport torch\n"

CORRECT = {
    "layernorm_forward": """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps)
""",
    "layernorm_backward": """
def layernorm_backward(dout, cache):
    x, gamma, eps = cache
    d = x.shape[-1]
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
    return dx, (dout * xhat).reshape(-1, d).sum(dim=0), dout.reshape(-1, d).sum(dim=0)
""",
    "batchnorm_forward": """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("need at least 2 rows in training mode")
        mu = x.mean(dim=0)
        var = ((x - mu) ** 2).mean(dim=0)
        new_mean = (1 - momentum) * running_mean + momentum * mu
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mu, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps), new_mean, new_var
""",
    "batchnorm_backward": """
def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    mu = x.mean(dim=0)
    var = ((x - mu) ** 2).mean(dim=0)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(dim=0) - xhat * (dxhat * xhat).mean(dim=0))
    return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)
""",
}


_LN_FWD = """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
{body}
    return out, (x, gamma, eps)
"""

_LN_BWD = """
def layernorm_backward(dout, cache):
    x, gamma, eps = cache
    d = x.shape[-1]
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
{body}
"""

_BN_BWD = """
def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    n = x.shape[0]
    mu = x.mean(dim=0)
    var = ((x - mu) ** 2).mean(dim=0)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
{body}
"""

_BN_FWD_TRAIN = """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if training and n < 2:
        raise ValueError("need at least 2 rows in training mode")
    bmu = x.mean(dim=0)
    bvar = ((x - bmu) ** 2).mean(dim=0)
{body}
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps), new_mean, new_var
"""


def _ind(src: str) -> str:
    return "\n".join("    " + line if line else line for line in src.strip("\n").splitlines())


WRONG = {
    "layernorm_forward": {
        "unbiased variance (torch.var default)": _LN_FWD.format(
            body=_ind("""
var = x.var(dim=-1, keepdim=True)
out = (x - mu) / torch.sqrt(var + eps) * gamma + beta""")
        ),
        "eps outside the square root": _LN_FWD.format(
            body=_ind("""
var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
out = (x - mu) / (torch.sqrt(var) + eps) * gamma + beta""")
        ),
    },
    "layernorm_backward": {
        "missing the mean(dxhat) term": _LN_BWD.format(
            body=_ind("""
dx = rstd * (dxhat - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
return dx, (dout * xhat).reshape(-1, d).sum(dim=0), dout.reshape(-1, d).sum(dim=0)""")
        ),
        "missing the xhat * mean(dxhat * xhat) term": _LN_BWD.format(
            body=_ind("""
dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True))
return dx, (dout * xhat).reshape(-1, d).sum(dim=0), dout.reshape(-1, d).sum(dim=0)""")
        ),
        "dgamma and dbeta summed over axis 0 only": _LN_BWD.format(
            body=_ind("""
dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)""")
        ),
        "modifies dout in place": _LN_BWD.format(
            body=_ind("""
dbeta = dout.reshape(-1, d).sum(dim=0)
dgamma = (dout * xhat).reshape(-1, d).sum(dim=0)
dxhat = dout.mul_(gamma)
dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
return dx, dgamma, dbeta""")
        ),
    },
    "batchnorm_forward": {
        "biased variance in the running update": _BN_FWD_TRAIN.format(
            body=_ind("""
if training:
    mu, var = bmu, bvar
    new_mean = (1 - momentum) * running_mean + momentum * bmu
    new_var = (1 - momentum) * running_var + momentum * bvar
else:
    mu, var = running_mean, running_var
    new_mean, new_var = running_mean.clone(), running_var.clone()""")
        ),
        "evaluation mode uses the batch statistics": _BN_FWD_TRAIN.format(
            body=_ind("""
mu, var = bmu, bvar
if training:
    new_mean = (1 - momentum) * running_mean + momentum * bmu
    new_var = (1 - momentum) * running_var + momentum * bvar * n / (n - 1)
else:
    new_mean, new_var = running_mean.clone(), running_var.clone()""")
        ),
        "updates running_mean and running_var in place": _BN_FWD_TRAIN.format(
            body=_ind("""
if training:
    mu, var = bmu, bvar
    running_mean.mul_(1 - momentum).add_(momentum * bmu)
    running_var.mul_(1 - momentum).add_(momentum * bvar * n / (n - 1))
else:
    mu, var = running_mean, running_var
new_mean, new_var = running_mean, running_var""")
        ),
    },
    "batchnorm_backward": {
        "ignores the dependence of the batch mean and variance on x": _BN_BWD.format(
            body=_ind("""
return dxhat * rstd, (dout * xhat).sum(dim=0), dout.sum(dim=0)""")
        ),
        "missing the xhat * mean(dxhat * xhat) term": _BN_BWD.format(
            body=_ind("""
dx = rstd * (dxhat - dxhat.mean(dim=0))
return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)""")
        ),
        "dgamma without xhat": _BN_BWD.format(
            body=_ind("""
dx = rstd * (dxhat - dxhat.mean(dim=0) - xhat * (dxhat * xhat).mean(dim=0))
return dx, (dout * gamma).sum(dim=0), dout.sum(dim=0)""")
        ),
    },
}


ALTERNATIVES = {
    # The textbook graph: every intermediate of the forward in the cache, backprop node by node.
    "textbook step-by-step graph": module(
        HEADER,
        CORRECT,
        layernorm_forward="""
def layernorm_forward(x, gamma, beta, eps=1e-5):
    d = x.shape[-1]
    mu = x.sum(dim=-1, keepdim=True) / d
    xmu = x - mu
    sq = xmu ** 2
    var = sq.sum(dim=-1, keepdim=True) / d
    sqrtvar = torch.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    out = gamma * xhat + beta
    return out, (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
""",
        layernorm_backward="""
def layernorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    d = xhat.shape[-1]
    dbeta = dout.reshape(-1, d).sum(dim=0)
    dgamma = (dout * xhat).reshape(-1, d).sum(dim=0)
    dxhat = dout * gamma
    divar = (dxhat * xmu).sum(dim=-1, keepdim=True)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 / torch.sqrt(var + eps) * dsqrtvar
    dsq = torch.ones_like(xmu) / d * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(dim=-1, keepdim=True)
    dx2 = torch.ones_like(xmu) / d * dmu
    return dx1 + dx2, dgamma, dbeta
""",
        batchnorm_forward="""
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if not training:
        xhat = (x - running_mean) / torch.sqrt(running_var + eps)
        return gamma * xhat + beta, None, running_mean.clone(), running_var.clone()
    if n < 2:
        raise ValueError("batch of one")
    mu = x.sum(dim=0) / n
    xmu = x - mu
    var = (xmu ** 2).sum(dim=0) / n
    sqrtvar = torch.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    out = gamma * xhat + beta
    rm = running_mean * (1 - momentum) + mu * momentum
    rv = running_var * (1 - momentum) + (xmu ** 2).sum(dim=0) / (n - 1) * momentum
    return out, (xhat, gamma, xmu, ivar, sqrtvar, var, eps), rm, rv
""",
        batchnorm_backward="""
def batchnorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    n = dout.shape[0]
    dbeta = dout.sum(dim=0)
    dgamma = (dout * xhat).sum(dim=0)
    dxhat = dout * gamma
    divar = (dxhat * xmu).sum(dim=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 / torch.sqrt(var + eps) * dsqrtvar
    dxmu2 = 2 * xmu * dvar / n
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(dim=0)
    return dx1 + dmu / n, dgamma, dbeta
""",
    ),
    # Everything in float64 inside, cast back to the input's dtype; a dict cache.
    "float64 internally, cast back": module(
        HEADER,
        CORRECT,
        layernorm_forward="""
def layernorm_forward(x, gamma, beta, eps=1e-5):
    x64 = x.to(torch.float64)
    var, mu = torch.var_mean(x64, dim=-1, keepdim=True, correction=0)
    xhat = (x64 - mu) / torch.sqrt(var + eps)
    out = xhat * gamma.to(torch.float64) + beta.to(torch.float64)
    return out.to(x.dtype), {"xhat": xhat, "inv_std": 1 / torch.sqrt(var + eps), "gamma": gamma, "dtype": x.dtype}
""",
        layernorm_backward="""
def layernorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"].to(torch.float64)
    d = xhat.shape[-1]
    g = dout.to(torch.float64)
    dxhat = g * gamma
    dx = inv_std / d * (d * dxhat - dxhat.sum(dim=-1, keepdim=True) - xhat * (dxhat * xhat).sum(dim=-1, keepdim=True))
    flat = lambda t: t.reshape(-1, d)
    dt = cache["dtype"]
    return dx.to(dt), flat(g * xhat).sum(dim=0).to(dt), flat(g).sum(dim=0).to(dt)
""",
        batchnorm_forward="""
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dt = x.dtype
    x64 = x.double()
    if training:
        n = x.shape[0]
        if n <= 1:
            raise ValueError("Expected more than 1 value per channel when training")
        var, mu = torch.var_mean(x64, dim=0, correction=0)
        unbiased = torch.var(x64, dim=0, correction=1)
        rm = torch.lerp(running_mean.double(), mu, momentum)
        rv = torch.lerp(running_var.double(), unbiased, momentum)
    else:
        mu, var = running_mean.double(), running_var.double()
        rm, rv = mu, var
    inv = torch.rsqrt(var + eps)
    xhat = (x64 - mu) * inv
    out = torch.addcmul(beta.double(), xhat, gamma.double())
    return out.to(dt), {"xhat": xhat, "inv": inv, "gamma": gamma.double(), "dtype": dt}, rm.to(dt), rv.to(dt)
""",
        batchnorm_backward="""
def batchnorm_backward(dout, cache):
    xhat, inv, gamma, dt = cache["xhat"], cache["inv"], cache["gamma"], cache["dtype"]
    g = dout.double()
    n = g.shape[0]
    dxhat = g * gamma
    dx = inv / n * (n * dxhat - dxhat.sum(dim=0) - xhat * (dxhat * xhat).sum(dim=0))
    return dx.to(dt), (g * xhat).sum(dim=0).to(dt), g.sum(dim=0).to(dt)
""",
    ),
}


# Correct mathematics with a slip of representation or a missed edge case: each loses exactly
# what it lists (tests/chapters/harness.py), keeps its rule point (and layernorm_backward its
# speed point), and costs no other function anything. A list instead of a tuple is not among
# them: the statement accepts it ("a list of the same length is accepted"), so the module that
# returns lists is an ALTERNATIVE below.
REPRESENTATION = {
    "layernorm_forward": {
        # float64 out for float32 input: the values are right (rounded to float32 for comparing)
        "computes and returns float64 for float32 input": (
            """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    x64 = x.double()
    centred = x64 - x64.mean(dim=-1, keepdim=True)
    rstd = torch.rsqrt((centred * centred).mean(dim=-1, keepdim=True) + eps)
    return centred * rstd * gamma.double() + beta.double(), (x, gamma, eps)
""",
            ("type",),
        ),
    },
    "layernorm_backward": {
        "float64 gradients for float32 input": (
            """
def layernorm_backward(dout, cache):
    x, gamma, eps = cache
    x, g, d64 = x.double(), gamma.double(), dout.double()
    n = x.shape[-1]
    centred = x - x.mean(dim=-1, keepdim=True)
    rstd = torch.rsqrt((centred * centred).mean(dim=-1, keepdim=True) + eps)
    xhat = centred * rstd
    dxhat = d64 * g
    dx = rstd / n * (n * dxhat - dxhat.sum(dim=-1, keepdim=True) - xhat * (dxhat * xhat).sum(dim=-1, keepdim=True))
    rows = lambda t: t.reshape(-1, n).sum(dim=0)
    return dx, rows(d64 * xhat), rows(d64)
""",
            ("type",),
        ),
        # sum(dim=()) reduces over every axis in torch: a 1-D x (no leading axes) gets scalar
        # dgamma and dbeta; every input with leading axes is right
        "sums over dim=tuple(range(ndim - 1)), which is () for a 1-D x": (
            """
def layernorm_backward(dout, cache):
    x, gamma, eps = cache
    lead = tuple(range(x.dim() - 1))
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
    return dx, (dout * xhat).sum(dim=lead), dout.sum(dim=lead)
""",
            ("edge",),
        ),
    },
    "batchnorm_forward": {
        # the table: no ValueError for N = 1 in training (N - 1 clamped to 1), every
        # other case right: only the edge test, never the rule point
        "does not raise for one row in training": (
            """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        var, mu = torch.var_mean(x, dim=0, correction=0)
        n = x.shape[0]
        running_mean = torch.lerp(running_mean, mu, momentum)
        running_var = torch.lerp(running_var, var * (n / max(n - 1, 1)), momentum)
    else:
        mu, var = running_mean, running_var
        running_mean, running_var = running_mean.clone(), running_var.clone()
    out = torch.addcmul(beta, (x - mu) * torch.rsqrt(var + eps), gamma)
    return out, (x, gamma, eps), running_mean, running_var
""",
            ("edge",),
        ),
        "raises ValueError for one row in evaluation mode too": (
            """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if n < 2:
        raise ValueError("batch norm needs at least two rows")
    if training:
        mu = x.mean(dim=0)
        var = ((x - mu) ** 2).mean(dim=0)
        stats = ((1 - momentum) * running_mean + momentum * mu,
                 (1 - momentum) * running_var + momentum * var * n / (n - 1))
    else:
        mu, var = running_mean, running_var
        stats = (running_mean.clone(), running_var.clone())
    out = gamma * (x - mu) / torch.sqrt(var + eps) + beta
    return (out, (x, gamma, eps)) + stats
""",
            ("edge",),
        ),
        "float64 running statistics for float32 input": (
            """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if training and n < 2:
        raise ValueError("need at least 2 rows in training mode")
    if training:
        mu = x.mean(dim=0)
        var = ((x - mu) ** 2).mean(dim=0)
        x64 = x.double()
        unbiased = torch.var(x64, dim=0, correction=1)
        new_mean = (1 - momentum) * running_mean.double() + momentum * x64.mean(dim=0)
        new_var = (1 - momentum) * running_var.double() + momentum * unbiased
    else:
        mu, var = running_mean, running_var
        new_mean, new_var = running_mean.double(), running_var.double()
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps), new_mean, new_var
""",
            ("type",),
        ),
    },
    "batchnorm_backward": {
        "computes in float64 and does not cast back": (
            """
def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    x, g, d64 = x.double(), gamma.double(), dout.double()
    n = x.shape[0]
    centred = x - x.mean(dim=0)
    rstd = torch.rsqrt((centred ** 2).sum(dim=0) / n + eps)
    xhat = centred * rstd
    dxhat = d64 * g
    dx = (dxhat - dxhat.mean(dim=0) - xhat * (dxhat * xhat).mean(dim=0)) * rstd
    return dx, (d64 * xhat).sum(dim=0), d64.sum(dim=0)
""",
            ("type",),
        ),
    },
}


# Every function returns lists (the cache a list too) and reduces with einsum: the statement
# accepts a list of the same length for a tuple, so this keeps full marks (no type slip).
ALTERNATIVES["lists for tuples, einsum reductions"] = """
import torch


def layernorm_forward(x, gamma, beta, eps=1e-5):
    var, mu = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    rstd = torch.rsqrt(var + eps)
    xhat = (x - mu) * rstd
    return [xhat * gamma + beta, [xhat, rstd, gamma]]


def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    dxhat = dout * gamma
    proj = torch.einsum("...d,...d->...", dxhat, xhat).unsqueeze(-1) / d
    dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * proj)
    return [dx, torch.einsum("...d,...d->d", dout, xhat), torch.einsum("...d->d", dout)]


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("training needs a batch of at least 2 rows")
        var, mu = torch.var_mean(x, dim=0, correction=0)
        running = [running_mean + momentum * (mu - running_mean),
                   running_var + momentum * (var * n / (n - 1) - running_var)]
    else:
        mu, var = running_mean, running_var
        running = [running_mean.clone(), running_var.clone()]
    rstd = torch.rsqrt(var + eps)
    xhat = (x - mu) * rstd
    return [xhat * gamma + beta, [xhat, rstd, gamma]] + running


def batchnorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = rstd / n * (n * dxhat - torch.einsum("nd->d", dxhat) - xhat * torch.einsum("nd,nd->d", dxhat, xhat))
    return [dx, torch.einsum("nd,nd->d", dout, xhat), torch.einsum("nd->d", dout)]
"""


# karpathy/llm.c style (dev/cpu/layernorm.py): the module's own classes with forward and
# backward methods, the graded functions calling LayerNorm.backward(...) on the class and
# bn.backward(...) on an instance. The chapter's ".backward" rule is about autograd, not a
# method of the student's own class: full marks, rule points included.
ALTERNATIVES["llm.c style: own LayerNorm / BatchNorm classes with backward methods"] = '''
import torch


class LayerNorm:
    """Layer norm over the last axis, as llm.c writes it (any leading axes here)."""

    def __init__(self, eps=1e-5):
        self.eps = eps

    def forward(self, x, w, b):
        C = x.shape[-1]
        mean = x.sum(-1, keepdim=True) / C
        xshift = x - mean
        var = (xshift ** 2).sum(-1, keepdim=True) / C
        rstd = (var + self.eps) ** -0.5
        norm = xshift * rstd
        return norm * w + b, (x, w, mean, rstd)

    @staticmethod
    def backward(dout, cache):
        x, w, mean, rstd = cache
        C = x.shape[-1]
        norm = (x - mean) * rstd  # recomputed: saves memory at the cost of compute
        db = dout.reshape(-1, C).sum(0)
        dw = (dout * norm).reshape(-1, C).sum(0)
        dnorm = dout * w
        dx = dnorm - dnorm.mean(-1, keepdim=True) - (dnorm * norm).mean(-1, keepdim=True) * norm
        dx *= rstd
        return dx, dw, db


class BatchNorm:
    """Batch norm over the first axis, the same pattern as an object with its own state."""

    def __init__(self, momentum=0.1, eps=1e-5):
        self.momentum, self.eps = momentum, eps

    def forward(self, x, gamma, beta, running_mean, running_var, training):
        if training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("Expected more than 1 value per channel when training")
            mean = x.mean(0)
            xshift = x - mean
            var = (xshift ** 2).mean(0)
            new_mean = (1 - self.momentum) * running_mean + self.momentum * mean
            new_var = (1 - self.momentum) * running_var + self.momentum * var * (n / (n - 1))
        else:
            xshift, var = x - running_mean, running_var
            new_mean, new_var = running_mean.clone(), running_var.clone()
        rstd = (var + self.eps) ** -0.5
        norm = xshift * rstd
        return norm * gamma + beta, (norm, gamma, rstd), new_mean, new_var

    def backward(self, dout, cache):
        norm, gamma, rstd = cache
        dnorm = dout * gamma
        dx = (dnorm - dnorm.mean(0) - (dnorm * norm).mean(0) * norm) * rstd
        return dx, (dout * norm).sum(0), dout.sum(0)


def layernorm_forward(x, gamma, beta, eps=1e-5):
    return LayerNorm(eps).forward(x, gamma, beta)


def layernorm_backward(dout, cache):
    return LayerNorm.backward(dout, cache)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    bn = BatchNorm(momentum, eps)
    return bn.forward(x, gamma, beta, running_mean, running_var, training)


def batchnorm_backward(dout, cache):
    bn = BatchNorm()
    return bn.backward(dout, cache)
'''
