"""Chapter 2 — numerical stability (torch).

Every function takes and returns torch tensors. Outputs have the input's dtype
and device, and inputs are never modified in place. `torch.softmax`,
`torch.nn.functional.softmax`, `torch.logsumexp`, `torch.log_softmax` (and their
`Tensor` methods and `torch.special` twins) are not allowed: build them yourself.
"""

import torch


def stable_softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax of ``x`` along ``dim``, finite for logits of any magnitude.

    softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), with m = max_j x_j along ``dim``
    (subtracting m changes nothing mathematically and keeps every exp() <= 1).

    Args:
        x: floating tensor of any shape (float16, float32 or float64), any device.
           Entries may be -inf (probability 0) as long as each slice along ``dim``
           has a finite entry.
        dim: the axis to normalise over (negative values count from the end).

    Returns:
        Tensor of ``x``'s shape, dtype and device; every slice along ``dim`` sums to 1.

    Example:
        >>> stable_softmax(torch.tensor([1000., 1001., 1002.]))
        tensor([0.0900, 0.2447, 0.6652])
    """
    raise NotImplementedError("stable_softmax")


def logsumexp(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """log(sum_i exp(x_i)) along ``dim``, computed stably as m + log(sum_i exp(x_i - m)).

    Args:
        x: floating tensor of any shape; entries may be -inf.
        dim: the axis to reduce.

    Returns:
        Tensor of ``x``'s shape without ``dim`` (like ``keepdim=False``), ``x``'s dtype
        and device. A slice that is all -inf gives -inf.

    Example:
        >>> logsumexp(torch.tensor([1000., 1001., 1002.]))
        tensor(1002.4076)
    """
    raise NotImplementedError("logsumexp")


def log_softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x): never the log of an
    underflowed 0 for finite inputs.

    Args:
        x: floating tensor of any shape; -inf entries give -inf.
        dim: the axis to normalise over.

    Returns:
        Tensor of ``x``'s shape, dtype and device.

    Example:
        >>> log_softmax(torch.tensor([0., -200.]))   # log(softmax) would give -inf
        tensor([   0., -200.])
    """
    raise NotImplementedError("log_softmax")


def clip_grad_norm(grads: list, max_norm: float):
    """Clip a list of gradients by their global L2 norm (seed section 4.4).

    total = sqrt(sum over all tensors and entries of g**2). When total > max_norm,
    every tensor is multiplied by max_norm / total, so the clipped list has global
    norm max_norm; otherwise the tensors are returned unchanged (as new tensors).

    Args:
        grads: list of floating tensors (any shapes, one dtype and device).
        max_norm: positive float.

    Returns:
        (clipped, total): a list of tensors with the inputs' shapes, dtypes and
        devices, and the global norm *before* clipping as a Python float or a 0-d
        tensor (as ``torch.nn.utils.clip_grad_norm_`` returns it). The input tensors
        are not modified.

    Example:
        >>> clip_grad_norm([torch.tensor([3., 4.])], 1.0)
        ([tensor([0.6000, 0.8000])], 5.0)
    """
    raise NotImplementedError("clip_grad_norm")
