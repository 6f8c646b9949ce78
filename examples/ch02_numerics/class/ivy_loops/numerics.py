"""Correct everywhere, but stable_softmax loops over the rows in Python: it keeps every
correctness point and loses the speed point (its speed test reports the ratio)."""
import torch


def logsumexp(x, dim=-1):
    m = torch.max(x, dim=dim, keepdim=True).values
    m = torch.nan_to_num(m, neginf=0.0)
    return (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)


def stable_softmax(x, dim=-1):
    """Correct, but one row at a time: a Python loop over every slice along dim."""
    xt = x.movedim(dim, -1)
    flat = xt.reshape(-1, xt.shape[-1])
    out = torch.empty_like(flat)
    for i in range(flat.shape[0]):
        row = flat[i]
        e = torch.exp(row - row.max())
        out[i] = e / e.sum()
    return out.reshape(xt.shape).movedim(-1, dim)


def log_softmax(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.nan_to_num(m, neginf=0.0)
    shifted = x - m
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


def clip_grad_norm(grads, max_norm):
    norms = torch.stack([torch.linalg.vector_norm(g.double()) for g in grads]) if grads else torch.zeros(1)
    total = torch.linalg.vector_norm(norms)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef.to(g.dtype) for g in grads], total
