"""Calibration variants for ch03's speed test (layernorm forward + backward on 8192x16 float32).

The timed call is the snippet ``layernorm_backward(dout, layernorm_forward(x, gamma, beta)[1])``,
so each module defines both functions (its own cache). Correct vectorized answers a student
may write, and Python loops the speed test must catch (in the backward, or in both passes).
"""

H = "import torch\n\n"

# the reference's forward: the loop variants below that loop only in the backward use it
FORWARD = """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    xc = x - mu
    var = (xc * xc).mean(dim=-1, keepdim=True)
    rstd = torch.rsqrt(var + eps)
    xhat = xc * rstd
    return xhat * gamma + beta, (xhat, rstd, gamma)
"""

VARIANTS = {
    "layernorm_backward": {
        "vectorized": {
            "step-by-step graph": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    xmu = x - mu
    sq = xmu ** 2
    var = sq.mean(-1, keepdim=True)
    sqrtvar = torch.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    return gamma * xhat + beta, (xhat, gamma, xmu, ivar, sqrtvar, var, eps)


def layernorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    d = dout.shape[-1]
    dbeta = dout.reshape(-1, d).sum(0)
    dgamma = (dout * xhat).reshape(-1, d).sum(0)
    dxhat = dout * gamma
    divar = (dxhat * xmu).sum(-1, keepdim=True)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 / torch.sqrt(var + eps) * dsqrtvar
    dsq = torch.ones_like(dout) / d * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(-1, keepdim=True)
    dx = dx1 + dmu / d
    return dx, dgamma, dbeta
""",
            "var_mean, D*dxhat form": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    var, mu = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    return torch.addcmul(beta, xhat, gamma), (xhat, rstd, gamma)


def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    dxhat = dout * gamma
    dx = (rstd / d) * (d * dxhat - dxhat.sum(-1, keepdim=True) - xhat * (dxhat * xhat).sum(-1, keepdim=True))
    flat = dout.reshape(-1, d)
    return dx, (flat * xhat.reshape(-1, d)).sum(0), flat.sum(0)
""",
            "float64 inside": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    x64, g64 = x.double(), gamma.double()
    mu = x64.mean(-1, keepdim=True)
    var = ((x64 - mu) ** 2).mean(-1, keepdim=True)
    rstd = (var + eps).rsqrt()
    xhat = (x64 - mu) * rstd
    out = (xhat * g64 + beta.double()).to(x.dtype)
    return out, (xhat, rstd, g64, x.dtype)


def layernorm_backward(dout, cache):
    xhat, rstd, g64, dtype = cache
    d = xhat.shape[-1]
    do = dout.double()
    dxhat = do * g64
    dx = rstd * (dxhat - dxhat.mean(-1, keepdim=True) - xhat * (dxhat * xhat).mean(-1, keepdim=True))
    dgamma = (do * xhat).reshape(-1, d).sum(0)
    dbeta = do.reshape(-1, d).sum(0)
    return dx.to(dtype), dgamma.to(dtype), dbeta.to(dtype)
""",
            "matmul / einsum sums": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    d = x.shape[-1]
    w = torch.full((d, 1), 1.0 / d, dtype=x.dtype, device=x.device)
    mu = x @ w
    xc = x - mu
    var = (xc * xc) @ w
    rstd = torch.rsqrt(var + eps)
    xhat = xc * rstd
    return xhat * gamma + beta, (xhat, rstd, gamma, w)


def layernorm_backward(dout, cache):
    xhat, rstd, gamma, w = cache
    d = xhat.shape[-1]
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat @ w - xhat * ((dxhat * xhat) @ w))
    do2, xh2 = dout.reshape(-1, d), xhat.reshape(-1, d)
    return dx, torch.einsum("rd,rd->d", do2, xh2), torch.einsum("rd->d", do2)
""",
            "in place on copies": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    xhat = x.clone()
    xhat -= x.mean(-1, keepdim=True)
    rstd = xhat.square().mean(-1, keepdim=True)
    rstd.add_(eps).rsqrt_()
    xhat.mul_(rstd)
    out = xhat.clone()
    out.mul_(gamma).add_(beta)
    return out, (xhat, rstd, gamma)


def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    dxhat = dout * gamma
    a = dxhat.mean(-1, keepdim=True)
    b = (dxhat * xhat).mean(-1, keepdim=True)
    dx = dxhat.clone()
    dx.sub_(a).sub_(xhat * b).mul_(rstd)
    dgamma = (dout * xhat).reshape(-1, d).sum(0)
    dbeta = dout.reshape(-1, d).sum(0)
    return dx, dgamma, dbeta
""",
            "one-pass variance": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = (x * x).mean(-1, keepdim=True) - mu * mu
    rstd = torch.rsqrt(var.clamp_min(0) + eps)
    xhat = (x - mu) * rstd
    return xhat * gamma + beta, (xhat, rstd, gamma)


def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    g = dout * gamma
    dx = rstd * (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True))
    return dx, (dout * xhat).reshape(-1, d).sum(0), dout.reshape(-1, d).sum(0)
""",
        },
        "loops": {
            "backward: loop over rows": H
            + FORWARD
            + """

def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    do2, xh2, rs2 = dout.reshape(-1, d), xhat.reshape(-1, d), rstd.reshape(-1, 1)
    dx = torch.empty_like(do2)
    for i in range(do2.shape[0]):
        g = do2[i] * gamma
        dx[i] = rs2[i] * (g - g.mean() - xh2[i] * (g * xh2[i]).mean())
    return dx.reshape(dout.shape), (do2 * xh2).sum(0), do2.sum(0)
""",
            "both passes: loop over rows": H
            + """
def layernorm_forward(x, gamma, beta, eps=1e-5):
    d = x.shape[-1]
    x2 = x.reshape(-1, d)
    out, xhat, rstd = torch.empty_like(x2), torch.empty_like(x2), torch.empty(x2.shape[0], dtype=x.dtype)
    for i in range(x2.shape[0]):
        r = x2[i]
        mu = r.mean()
        var = ((r - mu) ** 2).mean()
        rstd[i] = 1.0 / torch.sqrt(var + eps)
        xhat[i] = (r - mu) * rstd[i]
        out[i] = xhat[i] * gamma + beta
    return out.reshape(x.shape), (xhat, rstd, gamma, x.shape)


def layernorm_backward(dout, cache):
    xhat, rstd, gamma, shape = cache
    d = xhat.shape[-1]
    do2 = dout.reshape(-1, d)
    dx = torch.empty_like(do2)
    dgamma = torch.zeros(d, dtype=dout.dtype)
    dbeta = torch.zeros(d, dtype=dout.dtype)
    for i in range(do2.shape[0]):
        g = do2[i] * gamma
        dx[i] = rstd[i] * (g - g.mean() - xhat[i] * (g * xhat[i]).mean())
        dgamma += do2[i] * xhat[i]
        dbeta += do2[i]
    return dx.reshape(shape), dgamma, dbeta
""",
            "backward: rows via unbind + stack": H
            + FORWARD
            + """

def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    rows = []
    for g_row, xh, rs in zip((dout * gamma).reshape(-1, d).unbind(0), xhat.reshape(-1, d).unbind(0),
                             rstd.reshape(-1).unbind(0)):
        rows.append(rs * (g_row - g_row.mean() - xh * (g_row * xh).mean()))
    dx = torch.stack(rows).reshape(dout.shape)
    return dx, (dout * xhat).reshape(-1, d).sum(0), dout.reshape(-1, d).sum(0)
""",
            "backward: pure Python lists": H
            + FORWARD
            + """

def layernorm_backward(dout, cache):
    xhat, rstd, gamma = cache
    d = xhat.shape[-1]
    do_l = dout.reshape(-1, d).tolist()
    xh_l = xhat.reshape(-1, d).tolist()
    rs_l = rstd.reshape(-1).tolist()
    g_l = gamma.tolist()
    dx, dgamma, dbeta = [], [0.0] * d, [0.0] * d
    for do_r, xh_r, rs in zip(do_l, xh_l, rs_l):
        g = [a * b for a, b in zip(do_r, g_l)]
        m1 = sum(g) / d
        m2 = sum(a * b for a, b in zip(g, xh_r)) / d
        dx.append([rs * (gj - m1 - xj * m2) for gj, xj in zip(g, xh_r)])
        for j in range(d):
            dgamma[j] += do_r[j] * xh_r[j]
            dbeta[j] += do_r[j]
    t = lambda v: torch.tensor(v, dtype=dout.dtype)
    return t(dx).reshape(dout.shape), t(dgamma), t(dbeta)
""",
        },
    },
}
