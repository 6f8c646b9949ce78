"""Chapter 3 — normalization layers and their backward passes (torch, no autograd).

Layer normalization and batch normalization, forward and backward, written with
plain tensor operations. Every function takes and returns torch tensors of the
input's dtype (float32 or float64) and device, and never modifies its inputs in
place. Autograd is not allowed (`torch.autograd`, `.backward()`, `torch.func`,
`.requires_grad_()`, ...), nor torch's own normalization layers
(`torch.nn.functional.layer_norm` / `batch_norm`, `torch.layer_norm`,
`torch.nn.LayerNorm`, `torch.nn.BatchNorm1d`, ...): the gradients are derived by
hand.

The ``cache`` a forward pass returns is yours to design: a tuple (or dict) of
tensors and Python numbers that your backward pass needs. The graders only ever
hand it back to your own backward function.
"""

import torch


def layernorm_forward(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5):
    """Layer normalization over the last axis.

    For every row x_r = x[..., :] of length D (all leading axes are batch axes):

        mu_r     = (1/D) sum_j x_rj
        var_r    = (1/D) sum_j (x_rj - mu_r)**2          (biased variance)
        xhat_rj  = (x_rj - mu_r) / sqrt(var_r + eps)
        out_rj   = gamma_j * xhat_rj + beta_j

    Args:
        x: floating tensor of shape (..., D) (float32 or float64; any number of
           leading axes, including none), any device.
        gamma: scale, shape (D,), x's dtype and device.
        beta: shift, shape (D,), x's dtype and device.
        eps: added to the variance inside the square root.

    Returns:
        (out, cache): out of x's shape, dtype and device; cache whatever
        layernorm_backward needs (a tuple of tensors and numbers).

    Example:
        >>> out, _ = layernorm_forward(torch.tensor([[1., 2., 3., 4.]]), torch.ones(4), torch.zeros(4))
        >>> out
        tensor([[-1.3416, -0.4472,  0.4472,  1.3416]])
    """
    raise NotImplementedError("layernorm_forward")


def layernorm_backward(dout: torch.Tensor, cache):
    """Backward pass of layernorm_forward: the gradients of L with respect to x,
    gamma and beta, given dout = dL/dout.

    With dxhat = dout * gamma and sigma_r = sqrt(var_r + eps), per row r:

        dx_r   = (1/sigma_r) * (dxhat_r - mean_j(dxhat_rj) - xhat_r * mean_j(dxhat_rj * xhat_rj))
        dgamma = sum over ALL leading axes of dout * xhat        -> shape (D,)
        dbeta  = sum over ALL leading axes of dout               -> shape (D,)

    Args:
        dout: upstream gradient, the shape, dtype and device of the forward's out.
        cache: what layernorm_forward returned for this input.

    Returns:
        (dx, dgamma, dbeta): dx of x's shape, dgamma and dbeta of shape (D,), all of
        x's dtype and device.

    Example:
        >>> x = torch.tensor([[1., 2., 3., 4.]])
        >>> _, cache = layernorm_forward(x, torch.ones(4), torch.zeros(4))
        >>> dx, dgamma, dbeta = layernorm_backward(torch.tensor([[1., 0., 0., 0.]]), cache)
        >>> dx
        tensor([[ 0.2683, -0.3578, -0.0894,  0.1789]])
        >>> dgamma, dbeta
        (tensor([-1.3416, 0.0000, 0.0000, 0.0000]), tensor([1., 0., 0., 0.]))
    """
    raise NotImplementedError("layernorm_backward")


def batchnorm_forward(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    """Batch normalization of x (N, D) over the batch axis, as torch.nn.BatchNorm1d.

    Training (``training=True``, N >= 2), per feature j:

        mu_j    = (1/N) sum_i x_ij
        var_j   = (1/N) sum_i (x_ij - mu_j)**2               (biased: normalises)
        out_ij  = gamma_j * (x_ij - mu_j) / sqrt(var_j + eps) + beta_j
        running_mean' = (1 - momentum) * running_mean + momentum * mu
        running_var'  = (1 - momentum) * running_var  + momentum * var * N / (N - 1)   (unbiased)

    Evaluation (``training=False``): out_ij = gamma_j * (x_ij - running_mean_j) /
    sqrt(running_var_j + eps) + beta_j, and the running statistics come back unchanged.

    Args:
        x: floating tensor (N, D), float32 or float64, any device.
        gamma, beta: (D,), x's dtype and device.
        running_mean, running_var: (D,), x's dtype and device. Not modified in place.
        training: bool, which of the two modes.
        momentum: weight of the new batch statistics in the running averages.
        eps: added to the variance inside the square root.

    Returns:
        (out, cache, running_mean, running_var): out (N, D); the cache for
        batchnorm_backward; the updated (training) or unchanged (evaluation)
        running statistics as new tensors of shape (D,). All of x's dtype and device.
        ``ValueError`` when training with N < 2 (the unbiased variance needs two rows).

    Example:
        >>> x = torch.tensor([[1., 2.], [3., 6.], [5., 1.]])
        >>> out, _, rm, rv = batchnorm_forward(x, torch.ones(2), torch.zeros(2), torch.zeros(2), torch.ones(2), True)
        >>> out
        tensor([[-1.2247, -0.4629],
                [ 0.0000,  1.3887],
                [ 1.2247, -0.9258]])
        >>> rm, rv      # batch mean [3, 3]; unbiased batch variance [4, 7]
        (tensor([0.3000, 0.3000]), tensor([1.3000, 1.6000]))
    """
    raise NotImplementedError("batchnorm_forward")


def batchnorm_backward(dout: torch.Tensor, cache):
    """Backward pass of batchnorm_forward in training mode.

    With dxhat = dout * gamma and sigma_j = sqrt(var_j + eps), per feature j:

        dx_:j   = (1/sigma_j) * (dxhat_:j - mean_i(dxhat_ij) - xhat_:j * mean_i(dxhat_ij * xhat_ij))
        dgamma  = sum_i dout_i: * xhat_i:                       -> (D,)
        dbeta   = sum_i dout_i:                                 -> (D,)

    (the batch mean and variance depend on every x_ij, hence the two mean terms).
    For a cache from evaluation mode the statistics are constants and
    dx = dout * gamma / sqrt(running_var + eps) (not graded).

    Args:
        dout: (N, D), the dtype and device of the forward's out.
        cache: what batchnorm_forward returned.

    Returns:
        (dx, dgamma, dbeta): (N, D), (D,), (D,), x's dtype and device.

    Example:
        >>> x = torch.tensor([[1., 2.], [3., 6.], [5., 1.]])
        >>> _, cache, _, _ = batchnorm_forward(x, torch.ones(2), torch.zeros(2), torch.zeros(2), torch.ones(2), True)
        >>> batchnorm_backward(torch.tensor([[1., 0.], [0., 0.], [0., 0.]]), cache)
        (tensor([[ 0.1021, 0.], [-0.2041, 0.], [ 0.1021, 0.]]), tensor([-1.2247, 0.]), tensor([1., 0.]))
    """
    raise NotImplementedError("batchnorm_backward")
