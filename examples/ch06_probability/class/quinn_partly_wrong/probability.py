"""A partly wrong submission. Mistakes: sequential_bayes: rounds each posterior to 3 digits; mc_integrate: estimate misses the factor (high - low); backdoor_adjustment: naive rate (no adjustment)."""
import math
import numpy as np


def bayes_update(prior, sensitivity, false_positive_rate):
    for v in (prior, sensitivity, false_positive_rate):
        a = np.asarray(v)
        if np.any(np.isnan(a)) or np.any(a < 0) or np.any(a > 1):
            raise ValueError("probabilities must lie in [0, 1]")
    num = sensitivity * prior
    den = num + false_positive_rate * (1 - prior)
    if np.any(np.asarray(den) == 0):
        raise ValueError("P(+) is 0")
    return num / den


def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    if n_positive < 0:
        raise ValueError("n_positive must be >= 0")
    s, f, p = float(sensitivity), float(false_positive_rate), float(prior)
    p0 = p
    out = []
    for _ in range(int(n_positive)):
        p = s * p / (s * p + f * (1 - p))
        p = round(p, 3)
        out.append(p)
    return np.array(out, dtype=np.float64)


def mc_integrate(f, low, high, n_samples, rng):
    if n_samples < 2:
        raise ValueError("need at least 2 samples")
    n = n_samples
    width = high - low
    u = rng.uniform(low, high, size=n)
    g = f(u)
    return np.mean(g), width * np.std(g, ddof=1) / np.sqrt(n)


def backdoor_adjustment(table):
    treatments = list(dict.fromkeys(t for t, _ in table))
    strata = list(dict.fromkeys(z for _, z in table))
    for t in treatments:
        for z in strata:
            if (t, z) not in table or table[(t, z)][1] == 0:
                raise ValueError("missing or empty cell")
    S = np.array([[table[(t, z)][0] for z in strata] for t in treatments], dtype=float)
    N = np.array([[table[(t, z)][1] for z in strata] for t in treatments], dtype=float)
    W = N / N.sum(axis=1, keepdims=True)
    return {t: float(v) for t, v in zip(treatments, ((S / N) * W).sum(axis=1))}
