"""A partly wrong submission. Mistakes: he_normal: He uniform (same variance, wrong distribution); activation_variances: activation before the matmul."""
import math
import numpy as np


def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def activation_variances(init, depth, width, n_samples, rng, activation='relu'):
    act = {'relu': lambda z: np.maximum(z, 0.0), 'tanh': np.tanh, 'linear': lambda z: z}[activation]
    h = rng.standard_normal((n_samples, width))
    out = [np.var(h)]
    for _ in range(depth):
        h = act(h) @ init(width, width, rng)
        out.append(np.var(h))
    return np.array(out)
