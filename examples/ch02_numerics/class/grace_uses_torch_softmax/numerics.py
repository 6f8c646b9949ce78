"""Correct values, but through the forbidden library calls: keeps the correctness
points of the softmax family and loses their rule points."""
import torch
import torch.nn.functional as F


def stable_softmax(x, dim=-1):
    return F.softmax(x, dim=dim)


def logsumexp(x, dim=-1):
    return torch.logsumexp(x, dim=dim)


def log_softmax(x, dim=-1):
    return x.log_softmax(dim)


def clip_grad_norm(grads, max_norm):
    total = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads], total
