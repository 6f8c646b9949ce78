"""Chapter 6 — probability (numpy).

Bayes' rule for a diagnostic test (once and repeatedly), Monte Carlo integration
with a standard error, and the back-door adjustment formula for causal effects.
Everything is plain numpy. The only source of randomness is the
``numpy.random.Generator`` passed to ``mc_integrate``: nothing in ``np.random``
(not even ``np.random.default_rng``) and no ``random`` module.
"""

import numpy as np


def bayes_update(prior, sensitivity, false_positive_rate):
    """P(disease | positive test) by Bayes' rule.

    With p = prior = P(D), s = sensitivity = P(+ | D) and f = false_positive_rate =
    P(+ | not D):

        P(D | +) = s p / (s p + f (1 - p)),

    the denominator being P(+) by the law of total probability.

    Args:
        prior, sensitivity, false_positive_rate: probabilities in [0, 1]. Each is a
            Python int/float, a numpy scalar or a numpy array; arrays broadcast
            together (numpy's broadcasting rules).

    Returns:
        If no argument is an array: a float (a Python float or a numpy floating
        scalar). Otherwise an ``np.ndarray`` of the broadcast shape whose dtype is
        what numpy's arithmetic gives, ``np.result_type(prior, sensitivity,
        false_positive_rate, 1.0)``: float32 arrays (with Python-float scalars) give
        float32, float64 or integer arrays give float64. Inputs are not modified.

    Raises:
        ValueError: an argument has an entry outside [0, 1], or P(+) = s p + f (1 - p)
            is 0 for some entry (a positive test is impossible, so P(D | +) is undefined).

    Example:
        >>> bayes_update(0.1, 0.99, 0.01)
        0.9166666666666666
        >>> bayes_update(np.array([0.0, 0.1, 1.0]), 0.99, 0.1)
        array([0.        , 0.52380952, 1.        ])
    """
    raise NotImplementedError("bayes_update")


def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    """Posteriors after each of ``n_positive`` positive tests, each posterior being the
    prior of the next test (the tests are conditionally independent given D).

        p_0 = prior,   p_k = s p_{k-1} / (s p_{k-1} + f (1 - p_{k-1})),   k = 1..n.

    Args:
        prior, sensitivity, false_positive_rate: probabilities in [0, 1] (Python or
            numpy scalars), as for ``bayes_update``.
        n_positive: the number of positive tests, a non-negative int (Python or numpy
            integer).

    Returns:
        ``np.ndarray`` of dtype float64 and shape (n_positive,): [p_1, ..., p_n], computed
        from the exact (unrounded) previous posterior. n_positive = 0 gives an empty array.

    Raises:
        ValueError: n_positive < 0, or the probabilities are invalid as in ``bayes_update``.

    Example:
        >>> sequential_bayes(0.1, 0.99, 0.1, 3)
        array([0.52380952, 0.91589571, 0.99080975])
    """
    raise NotImplementedError("sequential_bayes")


def mc_integrate(f, low, high, n_samples, rng):
    """Monte Carlo estimate of the integral of f over [low, high], with its standard error.

    Draw U_1..U_n uniformly on [low, high] from ``rng`` and let g_i = f(U_i), L = high - low:

        I = integral_low^high f(x) dx = L E[f(U)]   ~   estimate = L * mean(g),
        standard_error = L * std(g) / sqrt(n)   (std with ddof = 1; ddof = 0 is accepted).

    The estimate is unbiased; its standard deviation is L sigma / sqrt(n), sigma^2 = Var f(U).

    Args:
        f: a vectorised function: f(x) for a float64 array x returns an array of x's shape.
            Call it once, on all the samples.
        low, high: the bounds, low < high (Python floats or ints, any sign).
        n_samples: the number of samples, an int >= 2.
        rng: a ``numpy.random.Generator``, the only source of randomness (the same
            generator state gives the same result).

    Returns:
        (estimate, standard_error): a tuple of two floats (Python floats or numpy float64).

    Raises:
        ValueError: n_samples < 2 (a standard error needs at least two samples).

    Example:
        >>> mc_integrate(lambda x: np.exp(-x**2), -1.0, 1.0, 100_000, np.random.default_rng(0))
        (1.4945023828281858, 0.0012724644697664053)   # exact integral sqrt(pi) erf(1) = 1.4936482656...
    """
    raise NotImplementedError("mc_integrate")


def backdoor_adjustment(table):
    """Interventional success rates by the back-door adjustment over a stratifying variable Z.

        P(success | do(t)) = sum_z P(success | t, z) P(z),
        P(success | t, z) = successes(t, z) / total(t, z),
        P(z) = sum_t total(t, z) / sum_{t, z} total(t, z)

    (P(z) is the stratum's share of *all* cases, not of the cases that got t).

    Args:
        table: dict mapping (treatment, stratum) -> (successes, total), non-negative
            ints with successes <= total. Treatments and strata are str or int labels.
            Every treatment must appear with every stratum.

    Returns:
        dict treatment -> P(success | do(treatment)) as a float (Python float or numpy
        float64), with exactly the table's treatment labels as keys. The table is not
        modified.

    Raises:
        ValueError: a (treatment, stratum) cell is missing or has total 0 (P(success | t, z)
            is then undefined: the positivity assumption fails).

    Example (kidney stones, Charig et al. 1986):
        >>> backdoor_adjustment({("a", "small"): (81, 87), ("a", "large"): (192, 263),
        ...                      ("b", "small"): (234, 270), ("b", "large"): (55, 80)})
        {'a': 0.8325462173856037, 'b': 0.778875}
    """
    raise NotImplementedError("backdoor_adjustment")
