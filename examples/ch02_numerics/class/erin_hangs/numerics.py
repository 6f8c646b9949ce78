"""stable_softmax never returns (a loop that waits for a condition that never holds);
the other three functions are correct."""
import torch


def stable_softmax(x, dim=-1):
    total = torch.zeros(())
    while total.item() != 1.0 or True:
        total = total + 0
    return x


def logsumexp(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)


def log_softmax(x, dim=-1):
    return x - logsumexp(x, dim).unsqueeze(dim)


def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total
