"""Softmax right; logsumexp forgets to add the max back; log_softmax takes the log of
an underflowed softmax; clip_grad_norm clips each tensor by its own norm."""
import torch


def stable_softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


def logsumexp(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    return torch.log(torch.exp(x - m).sum(dim=dim))


def log_softmax(x, dim=-1):
    return torch.log(stable_softmax(x, dim))


def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    out = []
    for g in grads:
        n = float(torch.linalg.vector_norm(g))
        out.append(g * (max_norm / n) if n > max_norm else g.clone())
    return out, total
