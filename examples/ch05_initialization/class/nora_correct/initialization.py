"""A correct submission written differently from the reference (Box-Muller, rng.random, transposed draws, weights before inputs)."""
import math
import numpy as np


def xavier_uniform(fan_in, fan_out, rng):
    a = math.sqrt(6) / math.sqrt(fan_in + fan_out)
    return (2.0 * rng.random((fan_in, fan_out)) - 1.0) * a


def xavier_normal(fan_in, fan_out, rng):
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return rng.standard_normal((fan_out, fan_in)).T * std


def he_normal(fan_in, fan_out, rng):
    # Box-Muller from two uniforms on (0, 1]
    u1 = 1.0 - rng.random((fan_in, fan_out))
    u2 = rng.random((fan_in, fan_out))
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return z * math.sqrt(2 / fan_in)


def activation_variances(init, depth, width, n_samples, rng, activation="relu"):
    if activation not in ("relu", "tanh", "linear"):
        raise ValueError(activation)
    weights = [init(width, width, rng) for _ in range(depth)]
    h = rng.normal(0.0, 1.0, size=(width, n_samples)).T
    out = np.zeros(depth + 1)
    out[0] = np.mean((h - h.mean()) ** 2)
    for i, W in enumerate(weights, start=1):
        z = np.einsum("nk,kj->nj", h, W)
        h = np.where(z > 0, z, 0.0) if activation == "relu" else (np.tanh(z) if activation == "tanh" else z)
        out[i] = np.mean((h - h.mean()) ** 2)
    return out
