"""Implementations of the ch05 functions used to prove the hidden graders' power.

WRONG[function] are plausible mistakes that must lose points on that function;
ALTERNATIVES are correct implementations written differently from the reference
that must keep full marks. Each entry is the full module source a student might submit.
REPRESENTATION[function] are correct weights or variances in another container or dtype
(float32 weights, a list of variances): they lose only the function's type test
(tests/chapters/harness.py). The float32 he_normal and the list-returning
activation_variances were WRONG entries before the fair-grading policy (issue 10).
"""

from tests.chapters.harness import module

CHAPTER = "ch05_initialization"
MIN_WRONG = 3  # wrong implementations every function needs

HEADER = "import math\nimport numpy as np\n"

CORRECT = {
    "xavier_uniform": """
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
""",
    "xavier_normal": """
def xavier_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
""",
    "he_normal": """
def he_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
""",
    "activation_variances": """
def activation_variances(init, depth, width, n_samples, rng, activation="relu"):
    act = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "linear": lambda z: z}[activation]
    h = rng.standard_normal((n_samples, width))
    out = [np.var(h)]
    for _ in range(depth):
        h = act(h @ init(width, width, rng))
        out.append(np.var(h))
    return np.array(out)
""",
}


def _av(body: str, head: str = "") -> str:
    """activation_variances with the loop body replaced (h: activations, W: this layer's weights)."""
    return (
        "def activation_variances(init, depth, width, n_samples, rng, activation='relu'):\n"
        "    act = {'relu': lambda z: np.maximum(z, 0.0), 'tanh': np.tanh, 'linear': lambda z: z}[activation]\n"
        + (head or "    h = rng.standard_normal((n_samples, width))\n    out = [np.var(h)]\n")
        + "    for _ in range(depth):\n"
        + body
        + "    return np.array(out)\n"
    )


_AV_OK = "        h = act(h @ init(width, width, rng))\n        out.append(np.var(h))\n"

WRONG = {
    "he_normal": {
        "variance 1/fan_in (the factor 2 missing)": "def he_normal(fan_in, fan_out, rng):\n    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in)\n",
        "variance 2/fan_out": "def he_normal(fan_in, fan_out, rng):\n    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out)\n",
        "standard deviation 2/fan_in (variance confused with std)": "def he_normal(fan_in, fan_out, rng):\n    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))\n",
        "He uniform (same variance, wrong distribution)": "def he_normal(fan_in, fan_out, rng):\n    a = np.sqrt(6.0 / fan_in)\n    return rng.uniform(-a, a, size=(fan_in, fan_out))\n",
        "Keras-style truncated normal (cut at 2 sigma, rescaled)": "def he_normal(fan_in, fan_out, rng):\n"
        "    s = np.sqrt(2.0 / fan_in) / 0.87962566103423978\n"
        "    w = rng.standard_normal(4 * fan_in * fan_out)\n"
        "    w = w[np.abs(w) <= 2.0][: fan_in * fan_out]\n"
        "    return (w * s).reshape(fan_in, fan_out)\n",
        "Xavier variance 2/(fan_in + fan_out) instead of He": "def he_normal(fan_in, fan_out, rng):\n    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))\n",
        "transposed shape (fan_out, fan_in)": "def he_normal(fan_in, fan_out, rng):\n    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)\n",
        "np.random global state instead of rng": "def he_normal(fan_in, fan_out, rng):\n    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)\n",
        "fixed seed inside": "def he_normal(fan_in, fan_out, rng):\n    g = np.random.default_rng(0)\n    return g.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)\n",
        "fresh unseeded generator": "def he_normal(fan_in, fan_out, rng):\n    g = np.random.default_rng()\n    return g.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)\n",
        "squeezes vectors": "def he_normal(fan_in, fan_out, rng):\n    return np.squeeze(rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in))\n",
    },
    "xavier_uniform": {
        "a = sqrt(3/(fan_in + fan_out))": "def xavier_uniform(fan_in, fan_out, rng):\n    a = np.sqrt(3.0 / (fan_in + fan_out))\n    return rng.uniform(-a, a, size=(fan_in, fan_out))\n",
        "a = sqrt(6/fan_in)": "def xavier_uniform(fan_in, fan_out, rng):\n    a = np.sqrt(6.0 / fan_in)\n    return rng.uniform(-a, a, size=(fan_in, fan_out))\n",
        "bound = the standard deviation sqrt(2/(fan_in + fan_out))": "def xavier_uniform(fan_in, fan_out, rng):\n    a = np.sqrt(2.0 / (fan_in + fan_out))\n    return rng.uniform(-a, a, size=(fan_in, fan_out))\n",
        "normal with the same variance": "def xavier_uniform(fan_in, fan_out, rng):\n    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))\n",
        "U(0, a) instead of U(-a, a)": "def xavier_uniform(fan_in, fan_out, rng):\n    a = np.sqrt(6.0 / (fan_in + fan_out))\n    return rng.uniform(0.0, a, size=(fan_in, fan_out))\n",
        "fixed seed inside": "def xavier_uniform(fan_in, fan_out, rng):\n    a = np.sqrt(6.0 / (fan_in + fan_out))\n"
        "    return np.random.default_rng(42).uniform(-a, a, size=(fan_in, fan_out))\n",
    },
    "xavier_normal": {
        "standard deviation 2/(fan_in + fan_out)": "def xavier_normal(fan_in, fan_out, rng):\n    return rng.normal(0.0, 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))\n",
        "uniform with the same variance": "def xavier_normal(fan_in, fan_out, rng):\n    a = np.sqrt(6.0 / (fan_in + fan_out))\n    return rng.uniform(-a, a, size=(fan_in, fan_out))\n",
        "variance 1/(fan_in + fan_out)": "def xavier_normal(fan_in, fan_out, rng):\n    return rng.normal(0.0, np.sqrt(1.0 / (fan_in + fan_out)), size=(fan_in, fan_out))\n",
        "variance 2/fan_in": "def xavier_normal(fan_in, fan_out, rng):\n    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))\n",
        "np.random global state instead of rng": "def xavier_normal(fan_in, fan_out, rng):\n    return np.random.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))\n",
    },
    "activation_variances": {
        "input variance missing (length depth)": _av(
            _AV_OK, head="    h = rng.standard_normal((n_samples, width))\n    out = []\n"
        ),
        "activation before the matmul": _av(
            "        h = act(h) @ init(width, width, rng)\n        out.append(np.var(h))\n"
        ),
        "np.std instead of np.var": _av(
            "        h = act(h @ init(width, width, rng))\n        out.append(np.std(h))\n",
            head="    h = rng.standard_normal((n_samples, width))\n    out = [np.std(h)]\n",
        ),
        "ReLU whatever the activation": _av(
            "        h = np.maximum(h @ init(width, width, rng), 0.0)\n        out.append(np.var(h))\n"
        ),
        "mean of per-column variances (axis=0)": _av(
            "        h = act(h @ init(width, width, rng))\n        out.append(np.var(h, axis=0).mean())\n",
            head="    h = rng.standard_normal((n_samples, width))\n    out = [np.var(h, axis=0).mean()]\n",
        ),
        "one weight matrix reused for every layer": _av(
            "        h = act(h @ W)\n        out.append(np.var(h))\n",
            head="    h = rng.standard_normal((n_samples, width))\n    out = [np.var(h)]\n    W = init(width, width, rng)\n",
        ),
        "variance of the pre-activation": _av(
            "        z = h @ init(width, width, rng)\n        out.append(np.var(z))\n        h = act(z)\n"
        ),
        "uniform inputs with variance 1": _av(
            _AV_OK, head="    h = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), (n_samples, width))\n    out = [np.var(h)]\n"
        ),
        "inputs from np.random (global state)": _av(
            _AV_OK, head="    h = np.random.standard_normal((n_samples, width))\n    out = [np.var(h)]\n"
        ),
        "inputs from a fixed seed": _av(
            _AV_OK, head="    h = np.random.default_rng(0).standard_normal((n_samples, width))\n    out = [np.var(h)]\n"
        ),
    },
}

ALTERNATIVES = {
    "Box-Muller, rng.random, transposed draws, weights before inputs": module(
        HEADER,
        CORRECT,
        he_normal="""
def he_normal(fan_in, fan_out, rng):
    # Box-Muller from two uniforms on (0, 1]
    u1 = 1.0 - rng.random((fan_in, fan_out))
    u2 = rng.random((fan_in, fan_out))
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return z * math.sqrt(2 / fan_in)
""",
        xavier_uniform="""
def xavier_uniform(fan_in, fan_out, rng):
    a = math.sqrt(6) / math.sqrt(fan_in + fan_out)
    return (2.0 * rng.random((fan_in, fan_out)) - 1.0) * a
""",
        xavier_normal="""
def xavier_normal(fan_in, fan_out, rng):
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return rng.standard_normal((fan_out, fan_in)).T * std
""",
        activation_variances="""
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
""",
    ),
    "rng.normal(loc, scale), flat draws reshaped, np.dot": module(
        HEADER,
        CORRECT,
        he_normal="""
def he_normal(fan_in, fan_out, rng):
    return rng.normal(loc=0.0, scale=np.sqrt(2 / fan_in), size=fan_in * fan_out).reshape(fan_in, fan_out)
""",
        xavier_uniform="""
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(low=-a, high=a, size=(fan_out, fan_in)).T.copy()
""",
        xavier_normal="""
def xavier_normal(fan_in, fan_out, rng):
    return np.sqrt(2 / (fan_in + fan_out)) * rng.standard_normal(size=(fan_in, fan_out))
""",
        activation_variances="""
def _relu(z):
    return z * (z > 0)


def activation_variances(init, depth, width, n_samples, rng, activation="relu"):
    acts = {"relu": _relu, "tanh": np.tanh, "linear": lambda z: z}
    h = rng.standard_normal(size=(n_samples, width))
    out = np.empty(depth + 1, dtype=np.float64)
    out[0] = h.var()
    for layer in range(depth):
        h = acts[activation](np.dot(h, init(width, width, rng)))
        out[layer + 1] = h.var()
    return out
""",
    ),
    "standard_normal scaled in place, float32 draws rejected, stacked inputs": module(
        HEADER,
        CORRECT,
        he_normal="""
def he_normal(fan_in, fan_out, rng):
    w = rng.standard_normal(size=(fan_in, fan_out), dtype=np.float64)
    w *= np.sqrt(2.0) / np.sqrt(fan_in)
    return w
""",
        activation_variances="""
def activation_variances(init, depth, width, n_samples, rng, activation="relu"):
    h = np.stack([rng.standard_normal(width) for _ in range(n_samples)])
    variances = [h.var()]
    for _ in range(depth):
        z = h @ init(width, width, rng)
        if activation == "relu":
            h = np.clip(z, 0.0, None)
        elif activation == "tanh":
            h = np.tanh(z)
        elif activation == "linear":
            h = z
        else:
            raise ValueError(f"unknown activation {activation}")
        variances.append(h.var())
    return np.asarray(variances, dtype=np.float64)
""",
    ),
}


REPRESENTATION = {
    "he_normal": {
        "float32 draws (rng.standard_normal(..., dtype=np.float32))": (
            """
def he_normal(fan_in, fan_out, rng):
    std = np.float32(math.sqrt(2.0 / fan_in))
    return rng.standard_normal((fan_in, fan_out), dtype=np.float32) * std
""",
            ("type",),
        ),
        "float64 weights cast to float32 at the end": (
            """
def he_normal(fan_in, fan_out, rng):
    w = rng.normal(loc=0.0, scale=np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    return w.astype(np.float32)
""",
            ("type",),
        ),
    },
    "xavier_uniform": {
        "float32 arithmetic: (2u - 1) * a with u from rng.random(dtype=float32)": (
            """
def xavier_uniform(fan_in, fan_out, rng):
    a = np.float32(np.sqrt(6.0 / (fan_in + fan_out)))
    u = rng.random((fan_in, fan_out), dtype=np.float32)
    return (np.float32(2.0) * u - np.float32(1.0)) * a
""",
            ("type",),
        ),
    },
    "xavier_normal": {
        "float32 weights": (
            """
def xavier_normal(fan_in, fan_out, rng):
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return (std * rng.standard_normal(size=(fan_in, fan_out))).astype("float32")
""",
            ("type",),
        ),
    },
    "activation_variances": {
        "returns a Python list of the variances": (
            """
def activation_variances(init, depth, width, n_samples, rng, activation="relu"):
    f = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "linear": lambda z: z}[activation]
    h = rng.standard_normal((n_samples, width))
    variances = [h.var()]
    for _ in range(depth):
        h = f(h @ init(width, width, rng))
        variances.append(h.var())
    return variances
""",
            ("type",),
        ),
        "returns a tuple of Python floats": (
            """
def activation_variances(init, depth, width, n_samples, rng, activation="relu"):
    h = rng.normal(size=(n_samples, width))
    out = [float(np.mean((h - h.mean()) ** 2))]
    for _ in range(depth):
        z = h @ init(width, width, rng)
        h = {"relu": np.maximum(z, 0.0), "tanh": np.tanh(z), "linear": z}[activation]
        out.append(float(np.mean((h - h.mean()) ** 2)))
    return tuple(out)
""",
            ("type",),
        ),
    },
}
