"""Calibration variants for ch06's speed test (mc_integrate with 150000 samples).

Correct vectorized answers a student may write (other ways to draw the samples and to
reduce them; the check is statistical, so a different sampling is still correct), and
Python loops the speed test must catch: f called once per sample, f on small chunks.
"""

H = "import math\n\nimport numpy as np\n\n"

CHECK_N = """
def _n(n_samples):
    n = int(n_samples)
    if n != n_samples or n < 2:
        raise ValueError("n_samples must be an integer >= 2")
    return n
"""

VARIANTS = {
    "mc_integrate": {
        "vectorized": {
            "rng.random, np.var": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    width = high - low
    g = f(low + width * rng.random(n))
    return float(width * np.mean(g)), float(abs(width) * np.sqrt(np.var(g, ddof=1) / n))
""",
            "two-pass by hand, ddof 0": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    x = rng.uniform(low, high, n)
    g = np.asarray(f(x), dtype=np.float64)
    m = g.sum() / n
    dev = g - m
    var = (dev * dev).sum() / n
    L = high - low
    return float(L * m), float(abs(L) * math.sqrt(var / n))
""",
            "one-pass sums with dot": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    g = f(rng.uniform(low, high, size=n))
    s1 = g.sum()
    s2 = np.dot(g, g)
    var = (s2 - s1 * s1 / n) / (n - 1)
    L = high - low
    return float(L * s1 / n), float(abs(L) * math.sqrt(max(var, 0.0) / n))
""",
            "large chunks": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    parts = []
    for start in range(0, n, 1 << 15):
        parts.append(f(rng.uniform(low, high, min(1 << 15, n - start))))
    g = np.concatenate(parts)
    L = high - low
    return float(L * g.mean()), float(abs(L) * g.std(ddof=1) / math.sqrt(n))
""",
            "einsum, unit samples scaled": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    u = rng.random(n)
    u *= high - low
    u += low
    g = f(u)
    mean = np.einsum("i->", g) / n
    c = g - mean
    var = np.einsum("i,i->", c, c) / (n - 1)
    L = high - low
    return float(L * mean), float(abs(L) * np.sqrt(var) / np.sqrt(n))
""",
        },
        "loops": {
            "f per sample (list)": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    xs = rng.uniform(low, high, n)
    g = np.array([f(x) for x in xs])
    L = high - low
    return float(L * g.mean()), float(abs(L) * g.std(ddof=1) / math.sqrt(n))
""",
            "draw and f per sample": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    total = 0.0
    total_sq = 0.0
    for _ in range(n):
        y = float(f(rng.uniform(low, high)))
        total += y
        total_sq += y * y
    mean = total / n
    var = (total_sq - n * mean * mean) / (n - 1)
    L = high - low
    return L * mean, abs(L) * math.sqrt(max(var, 0.0) / n)
""",
            "np.vectorize(f)": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    g = np.vectorize(f)(rng.uniform(low, high, n))
    L = high - low
    return float(L * g.mean()), float(abs(L) * g.std(ddof=1) / math.sqrt(n))
""",
            "pure Python floats": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    g = [float(f(x)) for x in rng.uniform(low, high, n).tolist()]
    mean = sum(g) / n
    var = sum((y - mean) ** 2 for y in g) / (n - 1)
    L = high - low
    return L * mean, abs(L) * math.sqrt(var / n)
""",
            "chunks of 10": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    total = 0.0
    total_sq = 0.0
    for start in range(0, n, 10):
        g = f(rng.uniform(low, high, min(10, n - start)))
        total += g.sum()
        total_sq += (g * g).sum()
    mean = total / n
    var = (total_sq - n * mean * mean) / (n - 1)
    L = high - low
    return float(L * mean), float(abs(L) * math.sqrt(max(var, 0.0) / n))
""",
            "chunks of 100": H
            + CHECK_N
            + """
def mc_integrate(f, low, high, n_samples, rng):
    n = _n(n_samples)
    total = 0.0
    total_sq = 0.0
    for start in range(0, n, 100):
        g = f(rng.uniform(low, high, min(100, n - start)))
        total += g.sum()
        total_sq += (g * g).sum()
    mean = total / n
    var = (total_sq - n * mean * mean) / (n - 1)
    L = high - low
    return float(L * mean), float(abs(L) * math.sqrt(max(var, 0.0) / n))
""",
        },
    },
}
