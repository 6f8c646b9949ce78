"""The ch05 reference against independent oracles: scipy.stats (Kolmogorov-Smirnov tests
against the exact distributions), torch.nn.init (the same formulas, weight stored as
(fan_out, fan_in)), scipy.integrate.quad (expected variances after one layer) and a
torch re-implementation of the forward pass on the same draws.

Every test uses fixed seeds, so it is deterministic; thresholds (p-values > 1e-6,
5-sigma windows) are loose enough that they also hold for other seeds.
"""

import importlib.util
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from grader.course import find_course

CHAPTER = "ch05_initialization"
SHAPES = [(150, 330), (330, 150), (257, 129), (1, 7), (7, 1)]


def _scale(name, fi, fo):
    return {
        "he_normal": math.sqrt(2 / fi),
        "xavier_normal": math.sqrt(2 / (fi + fo)),
        "xavier_uniform": math.sqrt(6 / (fi + fo)),
    }[name]


def _dist(name, fi, fo, factor=1.0):
    s = _scale(name, fi, fo) * factor
    return ("uniform", (-s, 2 * s)) if name == "xavier_uniform" else ("norm", (0.0, s))


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_normal"])
@pytest.mark.parametrize("shape", SHAPES[:3])
def test_kstest_against_scipy(reference, name, shape):
    fi, fo = shape
    w = getattr(reference, name)(fi, fo, np.random.default_rng(fi * 1000 + fo))
    assert type(w) is np.ndarray and w.shape == (fi, fo) and w.dtype == np.float64
    dist, args = _dist(name, fi, fo)
    assert stats.kstest(w.ravel(), dist, args=args).pvalue > 1e-6
    # the oracle has power: a scale off by sqrt(2) is rejected outright
    dist, args = _dist(name, fi, fo, factor=math.sqrt(2))
    assert stats.kstest(w.ravel(), dist, args=args).pvalue < 1e-12
    # and so is the other family with the same variance
    other = "norm" if name == "xavier_uniform" else "uniform"
    s = _scale(name, fi, fo)
    other_args = (0.0, s / math.sqrt(3)) if other == "norm" else (-s * math.sqrt(3), 2 * s * math.sqrt(3))
    assert stats.kstest(w.ravel(), other, args=other_args).pvalue < 1e-12


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_normal"])
@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_dtype_and_determinism(reference, name, shape):
    fi, fo = shape
    f = getattr(reference, name)
    a, b, c = (
        f(fi, fo, np.random.default_rng(5)),
        f(fi, fo, np.random.default_rng(5)),
        f(fi, fo, np.random.default_rng(6)),
    )
    assert a.shape == (fi, fo) and a.dtype == np.float64
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    f(np.int64(fi), np.int64(fo), np.random.default_rng(0))  # numpy integer sizes


def _torch_weights(name, fi, fo, seed):
    torch.manual_seed(seed)
    t = torch.empty(fo, fi, dtype=torch.float64)  # torch stores a Linear weight as (fan_out, fan_in)
    assert torch.nn.init._calculate_fan_in_and_fan_out(t) == (fi, fo)
    if name == "xavier_uniform":
        torch.nn.init.xavier_uniform_(t)
    elif name == "xavier_normal":
        torch.nn.init.xavier_normal_(t)
    else:
        torch.nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu")
    return t.T.numpy()


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_normal"])
@pytest.mark.parametrize("shape", [(150, 330), (330, 150)])
def test_same_distribution_as_torch_nn_init(reference, name, shape):
    fi, fo = shape
    ours = getattr(reference, name)(fi, fo, np.random.default_rng(11))
    theirs = _torch_weights(name, fi, fo, seed=11)
    assert theirs.shape == ours.shape
    assert stats.ks_2samp(ours.ravel(), theirs.ravel()).pvalue > 1e-6
    # the standard deviations agree to sampling noise (~0.3% at 5e4 weights, 5 sigma = 1.5%... allow 3%)
    assert abs(ours.std() / theirs.std() - 1) < 0.03
    if name == "xavier_uniform":
        a = math.sqrt(6 / (fi + fo))
        assert np.abs(theirs).max() <= a * (1 + 1e-12) and np.abs(ours).max() <= a
        assert np.abs(theirs).max() > 0.999 * a and np.abs(ours).max() > 0.999 * a


def test_torch_gain_formula_matches_he():
    fi = 300
    assert math.isclose(torch.nn.init.calculate_gain("relu") / math.sqrt(fi), math.sqrt(2 / fi), rel_tol=1e-15)


# ---- activation_variances ------------------------------------------------------------------


def _torch_forward(seed, init_np, depth, width, n, activation):
    """The reference's computation redone in torch on the same draws (inputs first, then one
    init per layer, as the reference draws them)."""
    rng = np.random.default_rng(seed)
    h = torch.from_numpy(rng.standard_normal((n, width)))
    out = [torch.var(h, unbiased=False).item()]
    act = {"relu": torch.nn.functional.relu, "tanh": torch.tanh, "linear": lambda z: z}[activation]
    for _ in range(depth):
        w = torch.from_numpy(init_np(width, width, rng))
        h = act(torch.nn.functional.linear(h, w.T))
        out.append(torch.var(h, unbiased=False).item())
    return np.array(out)


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
def test_activation_variances_matches_torch_forward(reference, activation):
    for seed, (depth, width, n) in enumerate([(1, 13, 7), (5, 37, 61), (9, 101, 203)]):
        got = reference.activation_variances(
            reference.he_normal, depth, width, n, np.random.default_rng(seed), activation
        )
        assert type(got) is np.ndarray and got.shape == (depth + 1,) and got.dtype == np.float64
        np.testing.assert_allclose(
            got, _torch_forward(seed, reference.he_normal, depth, width, n, activation), rtol=1e-10, atol=0
        )


def test_activation_variances_exact_scaling(reference):
    c = 1.3
    init = lambda fan_in, fan_out, rng: c * np.eye(fan_in)  # noqa: E731
    v = reference.activation_variances(init, 6, 23, 41, np.random.default_rng(0), "linear")
    np.testing.assert_allclose(v, v[0] * c ** (2 * np.arange(7)), rtol=1e-12)
    v = reference.activation_variances(init, 6, 23, 41, np.random.default_rng(0), "relu")
    np.testing.assert_allclose(v[2:] / v[1:-1], c**2, rtol=1e-12)


def _gauss(f):
    return integrate.quad(lambda x: f(x) * math.exp(-x * x / 2) / math.sqrt(2 * math.pi), -np.inf, np.inf)[0]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_first_layer_variance_matches_quadrature(reference, activation):
    """With W = c*I the first layer is act(c x) elementwise: its variance is a 1-d integral."""
    c = 1.7
    f = (lambda x: max(c * x, 0.0)) if activation == "relu" else (lambda x: math.tanh(c * x))
    m1, m2 = _gauss(f), _gauss(lambda x: f(x) ** 2)
    expected = m2 - m1 * m1
    if activation == "relu":
        assert math.isclose(expected, c * c * (0.5 - 1 / (2 * math.pi)), rel_tol=1e-8)
    init = lambda fan_in, fan_out, rng: c * np.eye(fan_in)  # noqa: E731
    v = reference.activation_variances(init, 1, 200, 500, np.random.default_rng(3), activation)
    # N = 1e5 entries: the sampling sd of the variance is < 1% of it; 5% is > 5 sigma
    assert abs(v[1] / expected - 1) < 0.05
    assert abs(v[0] - 1) < 0.03


def test_he_relu_keeps_the_variance(reference):
    """He + ReLU: the first layer's variance is 1 - 1/pi (E h^2 = 1, E h = 1/sqrt(pi)); Xavier halves E h^2 per layer."""
    first = [
        reference.activation_variances(reference.he_normal, 1, 256, 1000, np.random.default_rng(s))[1]
        for s in range(10)
    ]
    assert abs(np.mean(first) / (1 - 1 / math.pi) - 1) < 0.02
    he = reference.activation_variances(reference.he_normal, 10, 256, 1000, np.random.default_rng(0))
    xavier = reference.activation_variances(reference.xavier_normal, 10, 256, 1000, np.random.default_rng(0))
    assert 0.2 < he[-1] < 5 and xavier[-1] < 0.01


def test_hidden_grader_population_matches_quadrature():
    """The hidden grader's population() (expected variance of every layer for signed permutation
    weights) against scipy.integrate.quad for a 2-layer chain."""
    path = find_course().chapter(CHAPTER).hidden_dir / "test_activation_variances.py"
    spec = importlib.util.spec_from_file_location("_ch05_hidden_av", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    build = eval(mod.build_src(7, [0.8, 1.4], [0.5, 0.5]), {"np": np})  # noqa: S307
    width = 9
    W1, W2 = build(1, width), build(2, width)
    for activation, act in (("relu", lambda z: max(z, 0.0)), ("tanh", math.tanh)):
        sig, lips = mod.population(build, 2, width, activation)
        # column j of layer 2: act(s2_j * act(s1_src2(j) * x))
        src1, src2 = np.abs(W1).argmax(0), np.abs(W2).argmax(0)
        s1, s2 = W1[src1, np.arange(width)], W2[src2, np.arange(width)]
        for layer, fs in (
            (1, [lambda x, j=j: act(s1[j] * x) for j in range(width)]),
            (2, [lambda x, j=j: act(s2[j] * act(s1[src2[j]] * x)) for j in range(width)]),
        ):
            m1 = np.mean([_gauss(f) for f in fs])
            m2 = np.mean([_gauss(lambda x, f=f: f(x) ** 2) for f in fs])
            assert math.isclose(sig[layer], math.sqrt(m2 - m1 * m1), rel_tol=1e-6)
        assert math.isclose(lips[2], float(np.max(np.abs(s2) * np.abs(s1[src2]))), rel_tol=1e-12)
