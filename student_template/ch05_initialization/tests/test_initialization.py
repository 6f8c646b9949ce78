"""Visible tests for ch05_initialization: the chapter's worked examples.

Run them with `grade check` in this folder. The weights are random, so most checks
here are statistical with generous bounds (a correct answer fails them with a
probability far below 1e-9). The hidden tests check much more: many non-square
shapes, the variance of every matrix to a few %, the shape of the distribution
(Kolmogorov-Smirnov), row/column vectors, NumPy integer sizes, and every layer of
activation_variances against exact expected values.
"""

import math

import numpy as np
import pytest

from grader.testing import FunctionSource, GradingFailure, StudentFunction, assert_close, expect_array


def gen(seed):
    return np.random.default_rng(seed)


def init_matrix(student, name, fan_in, fan_out, seed=0):
    """The weights as a float64 array: another container or dtype costs only the type test."""
    w = getattr(student, name)(fan_in, fan_out, gen(seed))
    return expect_array(
        w,
        shape=(fan_in, fan_out),
        dtype=np.float64,
        what=f"{name}({fan_in}, {fan_out}, rng)",
        hint="draw a float64 array of shape (fan_in, fan_out) with the methods of rng, and do not cast it",
    )


def variances(out, depth):
    return expect_array(
        out,
        shape=(depth + 1,),
        dtype=np.float64,
        what="activation_variances(...)",
        hint="collect the variances and return np.array(variances, dtype=np.float64)",
    )


def assert_ratio(value, expected, rel, what):
    if not abs(value / expected - 1) <= rel:
        raise GradingFailure(f"{what} is {value:.6g}, expected {expected:.6g} within {100 * rel:g}%")


@pytest.mark.task("xavier_uniform")
def test_xavier_uniform_200_300(student):
    """xavier_uniform(200, 300): every |W| <= a = sqrt(6/500) = 0.109545, max |W| close to a, Var = 0.004"""
    w = init_matrix(student, "xavier_uniform", 200, 300)
    a = math.sqrt(6 / 500)
    assert abs(a - 0.10954451150103323) < 1e-15
    top = float(np.abs(w).max())
    assert top <= a * (1 + 1e-6), f"max |W| = {top:.6f} exceeds a = {a:.6f}"  # 1e-6: float32 rounding
    # P(max |W| < 0.999 a) = 0.999^60000 < 1e-26 for a correct answer
    assert top >= 0.999 * a, f"max |W| = {top:.6f} should come within 0.1% of a = {a:.6f}"
    assert_ratio(float(w.var()), 2 / 500, 0.1, "the variance of the weights")


@pytest.mark.task("xavier_normal")
def test_xavier_normal_200_300(student):
    """xavier_normal(200, 300): Var = 2/500 = 0.004 (std 0.063246), normal tails"""
    w = init_matrix(student, "xavier_normal", 200, 300)
    assert_ratio(float(w.var()), 0.004, 0.05, "the variance of the weights")
    assert abs(float(w.mean())) < 0.002, "the weights' mean should be about 0"
    # a normal puts 8.3% of its mass beyond sqrt(3) sigma; a uniform with the same variance none
    tail = float(np.mean(np.abs(w) > math.sqrt(3 * 0.004)))
    assert 0.06 < tail < 0.11, f"{100 * tail:.2f}% of the weights lie beyond sqrt(3)*sigma; a normal has 8.3%"


@pytest.mark.task("he_normal")
def test_he_normal_256_128(student):
    """he_normal(256, 128): std = sqrt(2/256) = 0.0883883, normal tails"""
    w = init_matrix(student, "he_normal", 256, 128)
    assert_ratio(float(w.std()), 0.08838834764831845, 0.03, "the standard deviation of the weights")
    tail = float(np.mean(np.abs(w) > math.sqrt(3) * 0.08838834764831845))
    assert 0.06 < tail < 0.11, f"{100 * tail:.2f}% of the weights lie beyond sqrt(3)*sigma; a normal has 8.3%"


@pytest.mark.task("he_normal")
def test_he_normal_depends_on_fan_in(student):
    """he_normal(128, 256) has std sqrt(2/128) = 0.125: fan_in, not fan_out"""
    w = init_matrix(student, "he_normal", 128, 256, seed=1)
    assert_ratio(float(w.std()), 0.125, 0.03, "the standard deviation of the weights")


@pytest.mark.task("he_normal")
def test_he_normal_vectors_keep_their_shape(student):
    """he_normal(1, 5) is (1, 5) and he_normal(5, 1) is (5, 1)"""
    init_matrix(student, "he_normal", 1, 5)
    init_matrix(student, "he_normal", 5, 1)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.task(n)) for n in ("xavier_uniform", "xavier_normal", "he_normal")]
)
def test_same_generator_state_same_weights(student, name):
    """default_rng(7) twice gives the same weights; default_rng(8) other weights"""
    a = init_matrix(student, name, 30, 20, seed=7)
    b = init_matrix(student, name, 30, 20, seed=7)
    c = init_matrix(student, name, 30, 20, seed=8)
    assert np.array_equal(a, b), "the same generator state must give the same weights (draw from rng only)"
    assert not np.array_equal(a, c), "different generator states must give different weights (no fixed seed)"


@pytest.mark.task("activation_variances")
def test_linear_layers_with_2I(student):
    """linear layers with W = 2I, depth 3: out / out[0] = [1, 4, 16, 64]"""
    init = FunctionSource("lambda fan_in, fan_out, rng: 2.0 * np.eye(fan_in)")
    out = variances(student.activation_variances(init, 3, 50, 200, gen(0), "linear"), 3)
    assert_close(out / out[0], [1.0, 4.0, 16.0, 64.0], rtol=1e-9, atol=0)
    assert 0.8 < out[0] < 1.2, f"out[0] = np.var(X) should be about 1 for standard normal inputs, got {out[0]:.4g}"


@pytest.mark.task("activation_variances")
def test_relu_layers_with_2I(student):
    """ReLU layers with W = 2I: each layer after the first multiplies the variance by 4 exactly; the first by about 1.36"""
    init = FunctionSource("lambda fan_in, fan_out, rng: 2.0 * np.eye(fan_in)")
    out = variances(student.activation_variances(init, 3, 250, 400, gen(0), "relu"), 3)
    assert_close(out[2:] / out[1:-1], [4.0, 4.0], rtol=1e-9, atol=0)
    assert 1.2 < out[1] < 1.5, f"out[1] should be about 1.36, got {out[1]:.4g}"


@pytest.mark.task("activation_variances")
def test_he_relu_experiment(student):
    """He init + ReLU, 10 layers of width 256: the variance stays about 0.68 instead of vanishing"""
    out = student.activation_variances(StudentFunction("he_normal"), 10, 256, 1000, gen(0))
    out = variances(out, 10)
    assert 0.95 < out[0] < 1.05, f"out[0] should be about 1, got {out[0]:.4g}"
    # One run is noisy (log-variance spread ~0.1 per layer: 0.28 to 1.47 at layer 10 over 200
    # runs), but with Xavier instead of He the variance would halve every layer (~7e-4 at layer 10).
    assert np.all((out[1:] > 0.02) & (out[1:] < 20)), (
        f"with He init the ReLU variances stay around 0.68; got {np.round(out, 4).tolist()}"
    )
