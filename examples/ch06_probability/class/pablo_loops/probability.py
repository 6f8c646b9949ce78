"""Pablo's chapter 6: correct, but mc_integrate calls f once per sample in a Python loop."""
import math
import numpy as np


def bayes_update(prior, sensitivity, false_positive_rate):
    args = (prior, sensitivity, false_positive_rate)
    arrays = [np.asarray(a, dtype=np.float64) for a in args]
    for a in arrays:
        if not np.all((a >= 0) & (a <= 1)):
            raise ValueError("probabilities must lie in [0, 1]")
    p, s, f = np.broadcast_arrays(*arrays)
    if np.any(s * p + f * (1 - p) == 0):
        raise ValueError("P(+) is 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = (p / (1 - p)) * (s / f)          # posterior odds = prior odds * likelihood ratio
        post = odds / (1 + odds)
    post = np.where(np.isinf(odds), 1.0, post)
    post = np.where(p == 0, 0.0, post)
    post = np.where(s == 0, 0.0, post)
    if not any(isinstance(a, np.ndarray) for a in args):
        return float(post)
    return post.astype(np.result_type(*args, 1.0))


def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    n = int(n_positive)
    if n < 0:
        raise ValueError("n_positive must be >= 0")
    p, s, f = float(prior), float(sensitivity), float(false_positive_rate)
    k = np.arange(1, n + 1, dtype=np.float64)
    if p == 0 or s == 0:
        return np.zeros(n)
    if p == 1 or f == 0:
        return np.ones(n)
    log_odds = math.log(p) - math.log1p(-p) + k * (math.log(s) - math.log(f))
    return 1.0 / (1.0 + np.exp(-log_odds))


def mc_integrate(f, low, high, n_samples, rng):
    n = int(n_samples)
    if n < 2:
        raise ValueError("n_samples must be at least 2")
    x = low + (high - low) * rng.random(n)
    y = np.array([float(f(xi)) for xi in x])  # correct, but f once per sample: loses the speed point
    mean = y.sum() / n
    sd = math.sqrt(((y - mean) ** 2).sum() / n)      # ddof = 0
    return float((high - low) * mean), float((high - low) * sd / math.sqrt(n))


def backdoor_adjustment(table):
    from fractions import Fraction
    treatments = {t for t, _ in table}
    strata = {z for _, z in table}
    if any((t, z) not in table or table[(t, z)][1] <= 0 for t in treatments for z in strata):
        raise ValueError("every (treatment, stratum) cell needs a positive total")
    grand = sum(n for _, n in table.values())
    out = {}
    for t in treatments:
        acc = Fraction(0)
        for z in strata:
            n_z = sum(table[(u, z)][1] for u in treatments)
            s, n = table[(t, z)]
            acc += Fraction(s, n) * Fraction(n_z, grand)
        out[t] = float(acc)
    return out
