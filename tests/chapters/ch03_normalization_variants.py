"""Implementations of the ch03 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks. Each entry is the full module source a student might submit.

The backward graders run the student's own forward to get the cache. So that a wrong
forward costs only the forward's points, CORRECT's forwards cache the raw inputs
(x, gamma, eps) and CORRECT's backwards recompute the statistics from them; every
wrong forward below keeps that cache (its mistake is in ``out`` or in the running
statistics), which is what "a wrong forward whose cache is still right" means.
"""
from tests.chapters.harness import module as _module

HEADER = "import math\nimport torch\n"

CORRECT = {
    "layernorm_forward": '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps)
''',
    "layernorm_backward": '''
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
''',
    "batchnorm_forward": '''
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
''',
    "batchnorm_backward": '''
def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    mu = x.mean(dim=0)
    var = ((x - mu) ** 2).mean(dim=0)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(dim=0) - xhat * (dxhat * xhat).mean(dim=0))
    return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)
''',
}


def module(**overrides) -> str:
    """A module with the correct functions, some replaced by ``overrides``."""
    return _module(HEADER, CORRECT, **overrides)


_LN_FWD = '''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
{body}
    return out, (x, gamma, eps)
'''

_LN_BWD = '''
def layernorm_backward(dout, cache):
    x, gamma, eps = cache
    d = x.shape[-1]
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
{body}
'''

_BN_BWD = '''
def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    n = x.shape[0]
    mu = x.mean(dim=0)
    var = ((x - mu) ** 2).mean(dim=0)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
{body}
'''

_BN_FWD_TRAIN = '''
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if training and n < 2:
        raise ValueError("need at least 2 rows in training mode")
    bmu = x.mean(dim=0)
    bvar = ((x - bmu) ** 2).mean(dim=0)
{body}
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps), new_mean, new_var
'''


def _ind(src: str) -> str:
    return "\n".join("    " + line if line else line for line in src.strip("\n").splitlines())


WRONG = {
    "layernorm_forward": {
        "unbiased variance (torch.var default)": _LN_FWD.format(body=_ind('''
var = x.var(dim=-1, keepdim=True)
out = (x - mu) / torch.sqrt(var + eps) * gamma + beta''')),
        "eps outside the square root": _LN_FWD.format(body=_ind('''
var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
out = (x - mu) / (torch.sqrt(var) + eps) * gamma + beta''')),
    },
    "layernorm_backward": {
        "missing the mean(dxhat) term": _LN_BWD.format(body=_ind('''
dx = rstd * (dxhat - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
return dx, (dout * xhat).reshape(-1, d).sum(dim=0), dout.reshape(-1, d).sum(dim=0)''')),
        "missing the xhat * mean(dxhat * xhat) term": _LN_BWD.format(body=_ind('''
dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True))
return dx, (dout * xhat).reshape(-1, d).sum(dim=0), dout.reshape(-1, d).sum(dim=0)''')),
        "dgamma and dbeta summed over axis 0 only": _LN_BWD.format(body=_ind('''
dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)''')),
        "modifies dout in place": _LN_BWD.format(body=_ind('''
dbeta = dout.reshape(-1, d).sum(dim=0)
dgamma = (dout * xhat).reshape(-1, d).sum(dim=0)
dxhat = dout.mul_(gamma)
dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True) - xhat * (dxhat * xhat).mean(dim=-1, keepdim=True))
return dx, dgamma, dbeta''')),
    },
    "batchnorm_forward": {
        "biased variance in the running update": _BN_FWD_TRAIN.format(body=_ind('''
if training:
    mu, var = bmu, bvar
    new_mean = (1 - momentum) * running_mean + momentum * bmu
    new_var = (1 - momentum) * running_var + momentum * bvar
else:
    mu, var = running_mean, running_var
    new_mean, new_var = running_mean.clone(), running_var.clone()''')),
        "evaluation mode uses the batch statistics": _BN_FWD_TRAIN.format(body=_ind('''
mu, var = bmu, bvar
if training:
    new_mean = (1 - momentum) * running_mean + momentum * bmu
    new_var = (1 - momentum) * running_var + momentum * bvar * n / (n - 1)
else:
    new_mean, new_var = running_mean.clone(), running_var.clone()''')),
        "updates running_mean and running_var in place": _BN_FWD_TRAIN.format(body=_ind('''
if training:
    mu, var = bmu, bvar
    running_mean.mul_(1 - momentum).add_(momentum * bmu)
    running_var.mul_(1 - momentum).add_(momentum * bvar * n / (n - 1))
else:
    mu, var = running_mean, running_var
new_mean, new_var = running_mean, running_var''')),
    },
    "batchnorm_backward": {
        "ignores the dependence of the batch mean and variance on x": _BN_BWD.format(body=_ind('''
return dxhat * rstd, (dout * xhat).sum(dim=0), dout.sum(dim=0)''')),
        "missing the xhat * mean(dxhat * xhat) term": _BN_BWD.format(body=_ind('''
dx = rstd * (dxhat - dxhat.mean(dim=0))
return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)''')),
        "dgamma without xhat": _BN_BWD.format(body=_ind('''
dx = rstd * (dxhat - dxhat.mean(dim=0) - xhat * (dxhat * xhat).mean(dim=0))
return dx, (dout * gamma).sum(dim=0), dout.sum(dim=0)''')),
    },
}


ALTERNATIVES = {
    # The textbook graph: every intermediate of the forward in the cache, backprop node by node.
    "textbook step-by-step graph": module(
        layernorm_forward='''
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
''',
        layernorm_backward='''
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
''',
        batchnorm_forward='''
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
''',
        batchnorm_backward='''
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
'''),
    # Everything in float64 inside, cast back to the input's dtype; a dict cache.
    "float64 internally, cast back": module(
        layernorm_forward='''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    x64 = x.to(torch.float64)
    var, mu = torch.var_mean(x64, dim=-1, keepdim=True, correction=0)
    xhat = (x64 - mu) / torch.sqrt(var + eps)
    out = xhat * gamma.to(torch.float64) + beta.to(torch.float64)
    return out.to(x.dtype), {"xhat": xhat, "inv_std": 1 / torch.sqrt(var + eps), "gamma": gamma, "dtype": x.dtype}
''',
        layernorm_backward='''
def layernorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"].to(torch.float64)
    d = xhat.shape[-1]
    g = dout.to(torch.float64)
    dxhat = g * gamma
    dx = inv_std / d * (d * dxhat - dxhat.sum(dim=-1, keepdim=True) - xhat * (dxhat * xhat).sum(dim=-1, keepdim=True))
    flat = lambda t: t.reshape(-1, d)
    dt = cache["dtype"]
    return dx.to(dt), flat(g * xhat).sum(dim=0).to(dt), flat(g).sum(dim=0).to(dt)
''',
        batchnorm_forward='''
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
''',
        batchnorm_backward='''
def batchnorm_backward(dout, cache):
    xhat, inv, gamma, dt = cache["xhat"], cache["inv"], cache["gamma"], cache["dtype"]
    g = dout.double()
    n = g.shape[0]
    dxhat = g * gamma
    dx = inv / n * (n * dxhat - dxhat.sum(dim=0) - xhat * (dxhat * xhat).sum(dim=0))
    return dx.to(dt), (g * xhat).sum(dim=0).to(dt), g.sum(dim=0).to(dt)
'''),
}
