"""Lars's chapter 3: correct, but layernorm_backward loops over the rows in Python."""
import math
import torch


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


def layernorm_backward(dout, cache):
    # correct, but one Python iteration per row: loses the speed point
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    d = xhat.shape[-1]
    g, xh, iv = dout.reshape(-1, d), xhat.reshape(-1, d), ivar.reshape(-1, 1)
    dx = torch.empty_like(g)
    for r in range(g.shape[0]):
        dxhat = g[r] * gamma
        dx[r] = iv[r] / d * (d * dxhat - dxhat.sum() - xh[r] * (dxhat * xh[r]).sum())
    dgamma = (g * xh).sum(dim=0)
    dbeta = g.sum(dim=0)
    return dx.reshape(dout.shape), dgamma, dbeta


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
