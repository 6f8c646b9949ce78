"""Implementations of the ch06 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks. Each entry is the full module source a student might submit.
CORRECT's functions are self-contained (sequential_bayes does not call bayes_update), so
a wrong function costs only its own points. REPRESENTATION[function] are correct
implementations with a slip of representation (another container or a more precise dtype),
a missed edge case (a ValueError) or a modified input: each loses exactly what it lists
(tests/chapters/harness.py). "no ValueError for n < 2" of mc_integrate was a WRONG entry
before the fair-grading policy (issue 10): the ValueError test is now an edge test, so it
costs that test and keeps the rule and speed points.
"""

from tests.chapters.harness import module

CHAPTER = "ch06_probability"
MIN_WRONG = 3  # wrong implementations every function needs

HEADER = "import math\nimport numpy as np\n"

CORRECT = {
    "bayes_update": """
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
""",
    "sequential_bayes": """
def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    if n_positive < 0:
        raise ValueError("n_positive must be >= 0")
    s, f, p = float(sensitivity), float(false_positive_rate), float(prior)
    out = []
    for _ in range(int(n_positive)):
        den = s * p + f * (1 - p)
        if den == 0:
            raise ValueError("P(+) is 0")
        p = s * p / den
        out.append(p)
    return np.array(out, dtype=np.float64)
""",
    "mc_integrate": """
def mc_integrate(f, low, high, n_samples, rng):
    if n_samples < 2:
        raise ValueError("need at least 2 samples")
    u = rng.uniform(low, high, size=n_samples)
    g = f(u)
    width = high - low
    return width * np.mean(g), width * np.std(g, ddof=1) / np.sqrt(n_samples)
""",
    "backdoor_adjustment": """
def backdoor_adjustment(table):
    treatments = sorted({t for t, _ in table}, key=repr)
    strata = sorted({z for _, z in table}, key=repr)
    for t in treatments:
        for z in strata:
            if (t, z) not in table or table[(t, z)][1] == 0:
                raise ValueError("missing or empty cell")
    grand = sum(n for _, n in table.values())
    p_z = {z: sum(table[(t, z)][1] for t in treatments) / grand for z in strata}
    return {t: sum(table[(t, z)][0] / table[(t, z)][1] * p_z[z] for z in strata) for t in treatments}
""",
}


_BAYES_CHECKS = """
    for v in (prior, sensitivity, false_positive_rate):
        a = np.asarray(v)
        if np.any(np.isnan(a)) or np.any(a < 0) or np.any(a > 1):
            raise ValueError("probabilities must lie in [0, 1]")
"""


def _bayes(body: str) -> str:
    return "def bayes_update(prior, sensitivity, false_positive_rate):" + _BAYES_CHECKS + body


def _seq(step: str, ret: str = "np.array(out, dtype=np.float64)", start: str = "[]") -> str:
    return f"""
def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    if n_positive < 0:
        raise ValueError("n_positive must be >= 0")
    s, f, p = float(sensitivity), float(false_positive_rate), float(prior)
    p0 = p
    out = {start}
    for _ in range(int(n_positive)):
{step}
        out.append(p)
    return {ret}
"""


_NEXT = "        p = s * p / (s * p + f * (1 - p))"


def _mc(sample: str, estimate: str, se: str) -> str:
    return f"""
def mc_integrate(f, low, high, n_samples, rng):
    if n_samples < 2:
        raise ValueError("need at least 2 samples")
    n = n_samples
    width = high - low
    u = {sample}
    g = f(u)
    return {estimate}, {se}
"""


_MC_EST = "width * np.mean(g)"
_MC_SE = "width * np.std(g, ddof=1) / np.sqrt(n)"


def _backdoor(weights: str) -> str:
    return f"""
def backdoor_adjustment(table):
    treatments = list(dict.fromkeys(t for t, _ in table))
    strata = list(dict.fromkeys(z for _, z in table))
    for t in treatments:
        for z in strata:
            if (t, z) not in table or table[(t, z)][1] == 0:
                raise ValueError("missing or empty cell")
    S = np.array([[table[(t, z)][0] for z in strata] for t in treatments], dtype=float)
    N = np.array([[table[(t, z)][1] for z in strata] for t in treatments], dtype=float)
    W = {weights}
    return {{t: float(v) for t, v in zip(treatments, ((S / N) * W).sum(axis=1))}}
"""


WRONG = {
    "bayes_update": {
        "returns s*p without normalising": _bayes("    return sensitivity * prior * 1.0\n"),
        "uses (1 - sensitivity) for the false-positive term": _bayes(
            "    num = sensitivity * prior\n    den = num + (1 - sensitivity) * (1 - prior)\n"
            "    if np.any(np.asarray(den) == 0):\n        raise ValueError('P(+) is 0')\n    return num / den\n"
        ),
        "swaps prior and 1 - prior": _bayes(
            "    num = sensitivity * (1 - prior)\n    den = num + false_positive_rate * prior\n"
            "    if np.any(np.asarray(den) == 0):\n        raise ValueError('P(+) is 0')\n    return num / den\n"
        ),
        "returns P(+|D) (the sensitivity)": _bayes("    return sensitivity * (prior * 0 + 1.0)\n"),
        "always float64 (np.asarray(..., float))": _bayes(
            "    p, s, f = (np.asarray(v, dtype=np.float64) for v in (prior, sensitivity, false_positive_rate))\n"
            "    den = s * p + f * (1 - p)\n    if np.any(den == 0):\n        raise ValueError('P(+) is 0')\n"
            "    out = s * p / den\n    return float(out) if out.ndim == 0 else out\n"
        ),
        "nan instead of ValueError when P(+) = 0": _bayes(
            "    num = np.asarray(sensitivity * prior, dtype=float)\n"
            "    den = num + false_positive_rate * (1 - np.asarray(prior, dtype=float))\n"
            "    with np.errstate(all='ignore'):\n        out = num / den\n"
            "    return float(out) if out.ndim == 0 else out.astype(np.result_type(prior, sensitivity, false_positive_rate, 1.0))\n"
        ),
        "no range check": """
def bayes_update(prior, sensitivity, false_positive_rate):
    num = sensitivity * prior
    den = num + false_positive_rate * (1 - prior)
    if np.any(np.asarray(den) == 0):
        raise ValueError("P(+) is 0")
    return num / den
""",
    },
    "sequential_bayes": {
        "never updates the prior": _seq("        q = s * p0 / (s * p0 + f * (1 - p0))\n        p = q"),
        "rounds each posterior to 3 digits": _seq(_NEXT + "\n        p = round(p, 3)"),
        "returns only the last posterior": _seq(_NEXT, ret="np.array(out[-1:], dtype=np.float64)"),
        "n + 1 values starting with the prior": _seq(_NEXT, start="[p]"),
    },
    "mc_integrate": {
        "estimate misses the factor (high - low)": _mc("rng.uniform(low, high, size=n)", "np.mean(g)", _MC_SE),
        "samples on [0, 1] whatever the bounds": _mc("rng.random(n)", _MC_EST, _MC_SE),
        "standard normal samples": _mc("rng.standard_normal(n)", _MC_EST, _MC_SE),
        "SE = std / n": _mc("rng.uniform(low, high, size=n)", _MC_EST, "width * np.std(g, ddof=1) / n"),
        "SE misses (high - low)": _mc("rng.uniform(low, high, size=n)", _MC_EST, "np.std(g, ddof=1) / np.sqrt(n)"),
        "SE = variance / sqrt(n)": _mc(
            "rng.uniform(low, high, size=n)", _MC_EST, "width * np.var(g, ddof=1) / np.sqrt(n)"
        ),
        "ignores rng (fixed global seed)": """
def mc_integrate(f, low, high, n_samples, rng):
    if n_samples < 2:
        raise ValueError("need at least 2 samples")
    u = np.random.default_rng(0).uniform(low, high, size=n_samples)
    g = f(u)
    width = high - low
    return width * np.mean(g), width * np.std(g, ddof=1) / np.sqrt(n_samples)
""",
    },
    "backdoor_adjustment": {
        "naive rate (no adjustment)": _backdoor("N / N.sum(axis=1, keepdims=True)"),
        "P(z) from the successes": _backdoor("(S.sum(axis=0) / S.sum())[None, :]"),
        "unweighted mean over strata": _backdoor("np.full(N.shape, 1.0 / N.shape[1])"),
        "skips missing cells instead of raising": """
def backdoor_adjustment(table):
    treatments = list(dict.fromkeys(t for t, _ in table))
    strata = list(dict.fromkeys(z for _, z in table))
    grand = sum(n for _, n in table.values())
    p_z = {z: sum(table[(t, z)][1] for t in treatments if (t, z) in table) / grand for z in strata}
    return {t: sum(table[(t, z)][0] / table[(t, z)][1] * p_z[z] for z in strata
                   if (t, z) in table and table[(t, z)][1] > 0) for t in treatments}
""",
    },
}

ALTERNATIVES = {
    "odds form, closed-form sequence, ddof 0, float64 sums": module(
        HEADER,
        CORRECT,
        bayes_update="""
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
""",
        sequential_bayes="""
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
""",
        mc_integrate="""
def mc_integrate(f, low, high, n_samples, rng):
    n = int(n_samples)
    if n < 2:
        raise ValueError("n_samples must be at least 2")
    x = low + (high - low) * rng.random(n)
    y = np.asarray(f(x), dtype=np.float64)
    mean = y.sum() / n
    sd = math.sqrt(((y - mean) ** 2).sum() / n)      # ddof = 0
    return float((high - low) * mean), float((high - low) * sd / math.sqrt(n))
""",
        backdoor_adjustment="""
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
""",
    ),
    "complement form, recursion through bayes_update, samples of L*f": module(
        HEADER,
        CORRECT,
        bayes_update="""
def bayes_update(prior, sensitivity, false_positive_rate):
    vals = (prior, sensitivity, false_positive_rate)
    if any(np.any(~((np.asarray(v) >= 0) & (np.asarray(v) <= 1))) for v in vals):
        raise ValueError("probabilities must lie in [0, 1]")
    p, s, f = vals
    false_pos = f * (1 - p)                    # P(+, not D)
    evidence = s * p + false_pos               # P(+)
    if np.any(np.asarray(evidence) == 0):
        raise ValueError("P(+) is 0")
    return 1 - false_pos / evidence
""",
        sequential_bayes="""
def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    if n_positive < 0:
        raise ValueError("n_positive must be >= 0")
    out = np.zeros(int(n_positive))
    p = prior
    for i in range(len(out)):
        p = bayes_update(p, sensitivity, false_positive_rate)
        out[i] = p
    return out
""",
        mc_integrate="""
def mc_integrate(f, low, high, n_samples, rng):
    if not n_samples >= 2:
        raise ValueError("n_samples must be at least 2")
    length = high - low
    values = length * f(rng.uniform(size=n_samples) * length + low)   # samples of L * f(U)
    estimate = values.mean()
    return estimate, math.sqrt(values.var(ddof=1) / n_samples)
""",
        backdoor_adjustment="""
def backdoor_adjustment(table):
    keys = list(table)
    ts = list(dict.fromkeys(k[0] for k in keys))
    zs = list(dict.fromkeys(k[1] for k in keys))
    if len(keys) != len(ts) * len(zs):
        raise ValueError("missing cell")
    counts = np.array([table[(t, z)] for t in ts for z in zs], dtype=np.float64).reshape(len(ts), len(zs), 2)
    if (counts[..., 1] == 0).any():
        raise ValueError("empty cell")
    p_z = counts[..., 1].sum(axis=0) / counts[..., 1].sum()
    adjusted = np.einsum("tz,z->t", counts[..., 0] / counts[..., 1], p_z)
    return dict(zip(ts, adjusted.tolist()))
""",
    ),
}


REPRESENTATION = {
    "bayes_update": {
        # the issue's row: the odds form, computed in float64 whatever the inputs' dtype
        "odds form in float64 (float64 for float32 arrays)": (
            """
def bayes_update(prior, sensitivity, false_positive_rate):
    p, s, f = (np.asarray(v, dtype=np.float64) for v in (prior, sensitivity, false_positive_rate))
    for a in (p, s, f):
        if not np.all((a >= 0) & (a <= 1)):
            raise ValueError("probabilities must lie in [0, 1]")
    if np.any(s * p + f * (1 - p) == 0):
        raise ValueError("a positive test is impossible: P(+) = 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        post_odds = p / (1 - p) * (s / f)        # prior odds times the likelihood ratio
        post = np.where(np.isinf(post_odds), 1.0, post_odds / (1 + post_odds))
    post = np.where((p == 0) | (s == 0), 0.0, post)
    return float(post) if post.ndim == 0 else post
""",
            ("type",),
        ),
        "no check of the range [0, 1]": (
            """
def bayes_update(prior, sensitivity, false_positive_rate):
    joint = sensitivity * prior                          # P(+, D)
    evidence = joint + false_positive_rate * (1 - prior) # P(+)
    if np.any(np.asarray(evidence) == 0):
        raise ValueError("P(+) = 0")
    return joint / evidence
""",
            ("edge",),
        ),
        "1 - prior computed in the prior's own memory": (
            """
def bayes_update(prior, sensitivity, false_positive_rate):
    for v in (prior, sensitivity, false_positive_rate):
        if np.any(np.isnan(v)) or np.any(np.less(v, 0)) or np.any(np.greater(v, 1)):
            raise ValueError("probabilities must lie in [0, 1]")
    joint = sensitivity * prior
    if isinstance(prior, np.ndarray) and prior.dtype.kind == "f":
        rest = np.subtract(1, prior, out=prior)          # overwrites the caller's array
    else:
        rest = 1 - prior
    evidence = joint + false_positive_rate * rest
    if np.any(np.asarray(evidence) == 0):
        raise ValueError("P(+) = 0")
    return joint / evidence
""",
            ("mutation",),
        ),
    },
    "sequential_bayes": {
        # the row: the right posteriors in a Python list
        "returns a Python list": (
            """
def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    if n_positive < 0:
        raise ValueError("n_positive must be >= 0")
    posteriors, p = [], prior
    for _ in range(n_positive):
        evidence = sensitivity * p + false_positive_rate * (1 - p)
        if evidence == 0:
            raise ValueError("P(+) = 0")
        p = sensitivity * p / evidence
        posteriors.append(p)
    return posteriors
""",
            ("type",),
        ),
        "no ValueError for a negative n_positive": (
            """
def sequential_bayes(prior, sensitivity, false_positive_rate, n_positive):
    out = np.empty(max(int(n_positive), 0))
    p = float(prior)
    for k in range(len(out)):
        p = sensitivity * p / (sensitivity * p + false_positive_rate * (1 - p))
        out[k] = p
    return out
""",
            ("edge",),
        ),
    },
    "mc_integrate": {
        # the row: a list instead of the tuple (numpy floats inside)
        "returns a list [estimate, standard error]": (
            """
def mc_integrate(f, low, high, n_samples, rng):
    if n_samples < 2:
        raise ValueError("n_samples must be at least 2")
    g = f(rng.uniform(low, high, n_samples))
    L = high - low
    return [L * g.mean(), L * g.std(ddof=1) / np.sqrt(n_samples)]
""",
            ("type",),
        ),
        "returns np.array([estimate, standard error])": (
            """
def mc_integrate(f, low, high, n_samples, rng):
    if n_samples < 2:
        raise ValueError("n_samples must be at least 2")
    L = high - low
    g = L * f(low + L * rng.random(n_samples))
    return np.array([g.mean(), g.std() / math.sqrt(n_samples)])
""",
            ("type",),
        ),
        "no ValueError for n_samples < 2": (
            """
def mc_integrate(f, low, high, n_samples, rng):
    x = rng.uniform(low, high, size=n_samples)
    y = f(x)
    width = high - low
    return width * y.mean(), width * y.std() / math.sqrt(n_samples)
""",
            ("edge",),
        ),
    },
    "backdoor_adjustment": {
        "KeyError / ZeroDivisionError instead of ValueError": (
            """
def backdoor_adjustment(table):
    treatments = {t for t, _ in table}
    strata = {z for _, z in table}
    grand = sum(total for _, total in table.values())
    weight = {z: sum(table[(t, z)][1] for t in treatments) / grand for z in strata}
    return {t: sum(table[(t, z)][0] / table[(t, z)][1] * weight[z] for z in strata) for t in treatments}
""",
            ("edge",),
        ),
        "probabilities as one-element arrays": (
            """
def backdoor_adjustment(table):
    ts = list(dict.fromkeys(t for t, _ in table))
    zs = list(dict.fromkeys(z for _, z in table))
    if any((t, z) not in table or table[(t, z)][1] == 0 for t in ts for z in zs):
        raise ValueError("missing or empty cell")
    n = np.array([[table[(t, z)][1] for z in zs] for t in ts], dtype=float)
    s = np.array([[table[(t, z)][0] for z in zs] for t in ts], dtype=float)
    p_z = n.sum(axis=0, keepdims=True) / n.sum()
    return {t: (s[i:i + 1] / n[i:i + 1] * p_z).sum(axis=1) for i, t in enumerate(ts)}
""",
            ("type",),
        ),
    },
}

# A bayes_update that modifies its input and returns nan for arrays: the "does not modify"
# test must report the wrong value (nan), not the mutation (issue 10, item 4).
NAN_AND_MUTATES = """
def bayes_update(prior, sensitivity, false_positive_rate):
    for v in (prior, sensitivity, false_positive_rate):
        if np.any(np.isnan(v)) or np.any(np.less(v, 0)) or np.any(np.greater(v, 1)):
            raise ValueError("probabilities must lie in [0, 1]")
    joint = sensitivity * prior
    evidence = joint + false_positive_rate * (1 - prior)
    if np.any(np.asarray(evidence) == 0):
        raise ValueError("P(+) = 0")
    out = joint / evidence
    if isinstance(prior, np.ndarray) and prior.dtype.kind == "f":
        prior[...] = np.nan
        out = out * prior.sum()
    return out
"""
