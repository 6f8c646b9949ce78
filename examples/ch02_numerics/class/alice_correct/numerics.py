"""A correct solution written differently from the reference: softmax as
exp(x - logsumexp(x)), float64 accumulation for the norm, torch's clipping rule."""
import torch


def logsumexp(x, dim=-1):
    m = torch.max(x, dim=dim, keepdim=True).values
    m = torch.nan_to_num(m, neginf=0.0)
    return (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)


def stable_softmax(x, dim=-1):
    return torch.exp(x - logsumexp(x, dim).unsqueeze(dim))


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
