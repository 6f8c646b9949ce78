"""Chapter 5 — weight initialisation (numpy).

A weight matrix of a dense layer maps ``fan_in`` inputs to ``fan_out`` outputs:
``h_out = h_in @ W`` with ``W`` of shape ``(fan_in, fan_out)``. Its scale decides
whether the signal's variance survives many layers: too small and it vanishes,
too large and it explodes. Xavier (Glorot) and He initialisation pick the variance
that keeps it stable for tanh-like and ReLU layers respectively.

Every random draw comes from the ``rng`` argument, a ``numpy.random.Generator``:
the same generator state gives the same weights, and nothing here touches NumPy's
global random state (``np.random.seed``, ``np.random.randn``, ... are not allowed).
All arrays returned are float64.
"""

import numpy as np


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Xavier/Glorot uniform initialisation.

    W_ij ~ U(-a, a) independently, with a = sqrt(6 / (fan_in + fan_out)), so that
    Var(W_ij) = a^2 / 3 = 2 / (fan_in + fan_out).

    Args:
        fan_in: number of inputs of the layer (a positive int).
        fan_out: number of outputs of the layer (a positive int).
        rng: numpy.random.Generator, the only source of randomness.

    Returns:
        float64 ndarray of shape (fan_in, fan_out) with every |W_ij| <= a.

    Example:
        >>> W = xavier_uniform(200, 300, np.random.default_rng(0))
        >>> W.shape, W.dtype, bool(np.abs(W).max() <= np.sqrt(6 / 500))   # a = 0.10954...
        ((200, 300), dtype('float64'), True)
    """
    raise NotImplementedError("xavier_uniform")


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Xavier/Glorot normal initialisation.

    W_ij ~ N(0, sigma^2) independently, with sigma^2 = 2 / (fan_in + fan_out)
    (sigma, the standard deviation, is the square root of that).

    Args:
        fan_in: number of inputs of the layer (a positive int).
        fan_out: number of outputs of the layer (a positive int).
        rng: numpy.random.Generator, the only source of randomness.

    Returns:
        float64 ndarray of shape (fan_in, fan_out).

    Example:
        >>> W = xavier_normal(200, 300, np.random.default_rng(0))
        >>> W.shape, round(float(W.var()) * 500 / 2, 1)               # Var = 2/500
        ((200, 300), 1.0)
    """
    raise NotImplementedError("xavier_normal")


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He (Kaiming) normal initialisation for ReLU layers.

    W_ij ~ N(0, 2 / fan_in) independently: the variance depends on fan_in only. A ReLU
    zeroes half of a symmetric pre-activation, halving its second moment; the factor 2
    puts it back, so E[h^2] stays the same from layer to layer.

    Args:
        fan_in: number of inputs of the layer (a positive int).
        fan_out: number of outputs of the layer (a positive int).
        rng: numpy.random.Generator, the only source of randomness.

    Returns:
        float64 ndarray of shape (fan_in, fan_out).

    Example:
        >>> W = he_normal(256, 128, np.random.default_rng(0))       # std = sqrt(2/256) = 0.0884
        >>> W.shape, round(float(W.std()) / np.sqrt(2 / 256), 1)
        ((256, 128), 1.0)
    """
    raise NotImplementedError("he_normal")


def activation_variances(
    init, depth: int, width: int, n_samples: int, rng: np.random.Generator, activation: str = "relu"
) -> np.ndarray:
    """The variance of the activations after each layer of a deep dense network.

    h_0 = X with X of shape (n_samples, width), entries iid N(0, 1) drawn from rng;
    for l = 1..depth:  W_l = init(width, width, rng)  (a fresh matrix per layer) and
    h_l = act(h_{l-1} @ W_l), with act = max(0, .) for "relu", tanh for "tanh" and the
    identity for "linear". out[l] = np.var(h_l), the variance over all
    n_samples * width entries (the mean is subtracted; ddof = 0).

    Args:
        init: a callable init(fan_in, fan_out, rng) -> (fan_in, fan_out) array, e.g. he_normal.
        depth: number of layers (int >= 1).
        width: units per layer (int >= 1).
        n_samples: number of input rows (int >= 1).
        rng: numpy.random.Generator used for the inputs and passed on to init.
        activation: "relu", "tanh" or "linear" (anything else raises ValueError).

    Returns:
        float64 ndarray of shape (depth + 1,): out[0] = np.var(X), out[l] = np.var(h_l).

    Example:
        >>> v = activation_variances(he_normal, 10, 256, 1000, np.random.default_rng(0))
        >>> v.shape, round(float(v[0]), 2)             # v[1:] stay near 1 - 1/pi = 0.68
        ((11,), 1.0)
        >>> v = activation_variances(lambda fan_in, fan_out, rng: 2.0 * np.eye(fan_in), 3, 4, 5,
        ...                          np.random.default_rng(0), "linear")
        >>> v / v[0]                                   # each layer doubles the signal
        array([ 1.,  4., 16., 64.])
    """
    raise NotImplementedError("activation_variances")
