"""The ch02 reference against torch's own softmax, logsumexp, log_softmax and
clip_grad_norm_ (float64, random shapes and dims, huge logits, -inf entries)."""

import pytest
import torch

CHAPTER = "ch02_numerics"


def _inputs():
    g = torch.Generator().manual_seed(20261123)
    for shape, dim, scale in [((7,), -1, 3.0), ((5, 9), 0, 1e3), ((3, 4, 11), 1, 50.0), ((2, 3, 5, 6), -2, 1e4)]:
        yield torch.randn(shape, generator=g, dtype=torch.float64) * scale, dim
    x = torch.randn(6, 8, generator=g, dtype=torch.float64)
    x[x < -0.5] = float("-inf")
    x[:, 0] = 1.0  # every row keeps a finite entry
    yield x, -1


@pytest.mark.parametrize("i", range(5))
def test_softmax_family_matches_torch(reference, i):
    x, dim = list(_inputs())[i]
    torch.testing.assert_close(reference.stable_softmax(x, dim=dim), torch.softmax(x, dim=dim), rtol=1e-12, atol=1e-300)
    torch.testing.assert_close(reference.logsumexp(x, dim=dim), torch.logsumexp(x, dim=dim), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(reference.log_softmax(x, dim=dim), torch.log_softmax(x, dim=dim), rtol=1e-12, atol=1e-9)


def test_float32_huge_logits_match_the_float64_values(reference):
    x = torch.tensor([1000.0, 2000.0, 3000.0])
    assert torch.equal(reference.stable_softmax(x), torch.tensor([0.0, 0.0, 1.0]))
    assert reference.logsumexp(x).item() == 3000.0


def test_logsumexp_of_an_all_neg_inf_slice_is_neg_inf(reference):
    """The convention the edge grader checks (torch's too): log(sum(exp(-inf))) = -inf, not nan."""
    x = torch.tensor([[0.5, float("-inf"), 2.0], [float("-inf")] * 3], dtype=torch.float64)
    torch.testing.assert_close(reference.logsumexp(x, dim=1), torch.logsumexp(x, dim=1), rtol=1e-12, atol=1e-12)
    assert reference.logsumexp(x, dim=1)[1].item() == float("-inf")
    assert reference.logsumexp(torch.full((4,), float("-inf"))).item() == float("-inf")


def test_default_dim_is_the_last(reference):
    x = torch.randn(3, 5, 7, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    torch.testing.assert_close(reference.stable_softmax(x), torch.softmax(x, dim=-1), rtol=1e-12, atol=1e-300)
    torch.testing.assert_close(reference.logsumexp(x), torch.logsumexp(x, dim=-1), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(reference.log_softmax(x), torch.log_softmax(x, dim=-1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(reference, max_norm):
    g = torch.Generator().manual_seed(7)
    grads = [torch.randn(s, generator=g, dtype=torch.float64) for s in [(3,), (4, 5), (), (2, 2, 2)]]
    params = [torch.nn.Parameter(torch.zeros_like(t)) for t in grads]
    for p, t in zip(params, grads):
        p.grad = t.clone()
    total_torch = torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped, total = reference.clip_grad_norm([t.clone() for t in grads], max_norm)
    assert float(total) == pytest.approx(float(total_torch), rel=1e-12)
    for c, p in zip(clipped, params):
        torch.testing.assert_close(c, p.grad, rtol=2e-6, atol=1e-12)  # torch divides by total + 1e-6
