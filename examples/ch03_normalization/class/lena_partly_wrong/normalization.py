"""A partly wrong submission. Mistakes: layernorm_backward: missing the xhat * mean(dxhat * xhat) term; batchnorm_forward: biased variance in the running update."""
import math
import torch


def layernorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps)


def layernorm_backward(dout, cache):
    x, gamma, eps = cache
    d = x.shape[-1]
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(dim=-1, keepdim=True))
    return dx, (dout * xhat).reshape(-1, d).sum(dim=0), dout.reshape(-1, d).sum(dim=0)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    if training and n < 2:
        raise ValueError("need at least 2 rows in training mode")
    bmu = x.mean(dim=0)
    bvar = ((x - bmu) ** 2).mean(dim=0)
    if training:
        mu, var = bmu, bvar
        new_mean = (1 - momentum) * running_mean + momentum * bmu
        new_var = (1 - momentum) * running_var + momentum * bvar
    else:
        mu, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    out = (x - mu) / torch.sqrt(var + eps) * gamma + beta
    return out, (x, gamma, eps), new_mean, new_var


def batchnorm_backward(dout, cache):
    x, gamma, eps = cache
    mu = x.mean(dim=0)
    var = ((x - mu) ** 2).mean(dim=0)
    rstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * rstd
    dxhat = dout * gamma
    dx = rstd * (dxhat - dxhat.mean(dim=0) - xhat * (dxhat * xhat).mean(dim=0))
    return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)
