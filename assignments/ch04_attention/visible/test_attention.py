"""Visible tests for ch04_attention: the course's worked examples and a few small
hand-checkable cases.

Run them with `grade check` in this folder. The hidden tests check much more (random
shapes with 0-2 batch dims, Lq != Lk, dv != d, float32 and float64, masks of several
broadcast shapes, large scores, num_heads from 1 to D with odd D, non-contiguous
inputs, no mutation of inputs, positional encodings up to seq_len ~1000).
"""

import pytest
import torch

from grader.testing import assert_close, assert_unchanged, expect_tensor, expect_tuple

F32 = dict(rtol=1e-5, atol=1e-6)
SDPA = "scaled_dot_product_attention"
MHA = "multi_head_attention"
PE = "sinusoidal_positional_encoding"
SDPA_HINT = "return tensors in q's dtype and on q's device (if you computed in float64: .to(q.dtype))"
MHA_HINT = "return a tensor in x's dtype and on x's device (if you computed in float64: .to(x.dtype))"
PE_HINT = "return a torch.float32 tensor on the CPU (e.g. finish with .to(torch.float32))"


def _pair(result):
    return expect_tuple(
        result,
        2,
        what="the result of scaled_dot_product_attention",
        hint="return out, weights (a tuple), not [out, weights]",
    )


@pytest.mark.task(SDPA)
def test_sdpa_worked_example(student):
    """q = [[1, 0]], k = I, v = [[1, 2], [3, 4]] in float32 and float64: weights softmax((1/sqrt(2), 0))"""
    for dtype in (torch.float32, torch.float64):
        q = torch.tensor([[1.0, 0.0]], dtype=dtype)
        k = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
        v = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=dtype)
        out, w = _pair(student.scaled_dot_product_attention(q, k, v))
        assert_close(
            expect_tensor(w, shape=(1, 2), dtype=dtype, device=q.device, what="the weights", hint=SDPA_HINT),
            [[0.6697615493266569, 0.33023845067334306]],
            **F32,
            what="the weights",
        )
        assert_close(
            expect_tensor(out, shape=(1, 2), dtype=dtype, device=q.device, what="the output", hint=SDPA_HINT),
            [[1.660476901346686, 2.660476901346686]],
            **F32,
            what="the output",
        )


@pytest.mark.task(SDPA)
def test_sdpa_causal_mask(student):
    """q = k = v = [[1, 0], [0, 1], [1, 1]] with a causal mask"""
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    mask = torch.ones(3, 3, dtype=torch.bool).tril()
    out, w = _pair(student.scaled_dot_product_attention(x, x, x, mask))
    w = expect_tensor(w, shape=(3, 3), dtype=x.dtype, device=x.device, what="the weights", hint=SDPA_HINT)
    assert_close(
        w,
        [
            [1.0, 0.0, 0.0],
            [0.33023845067334306, 0.6697615493266569, 0.0],
            [0.24825507825772308, 0.24825507825772308, 0.5034898434845538],
        ],
        **F32,
        what="the weights",
    )
    assert bool((w[mask.logical_not()] == 0).all()), "masked weights should be exactly 0"
    assert_close(
        expect_tensor(out, like=x, what="the output", hint=SDPA_HINT),
        [[1.0, 0.0], [0.33023845067334306, 0.6697615493266569], [0.7517449217422769, 0.7517449217422769]],
        **F32,
        what="the output",
    )


@pytest.mark.task(SDPA)
def test_sdpa_equal_keys_average_values(student):
    """identical keys give uniform weights, so out is the mean of v (batch dims, Lq != Lk, dv != d)"""
    q = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4) / 10
    k = torch.ones(2, 5, 4)
    v = torch.arange(2 * 5 * 6, dtype=torch.float32).reshape(2, 5, 6)
    out, w = _pair(student.scaled_dot_product_attention(q, k, v))
    assert_close(
        expect_tensor(w, shape=(2, 3, 5), dtype=q.dtype, device=q.device, what="the weights", hint=SDPA_HINT),
        torch.full((2, 3, 5), 0.2),
        **F32,
        what="the weights",
    )
    assert_close(
        expect_tensor(out, shape=(2, 3, 6), dtype=q.dtype, device=q.device, what="the output", hint=SDPA_HINT),
        v.mean(dim=1, keepdim=True).expand(2, 3, 6),
        **F32,
        what="the output",
    )


@pytest.mark.task(SDPA)
def test_sdpa_key_padding_mask_broadcasts(student):
    """a (B, 1, Lk) mask hides keys per sequence"""
    q = torch.zeros(2, 3, 4)
    k = torch.zeros(2, 4, 4)
    v = torch.arange(2 * 4 * 1, dtype=torch.float32).reshape(2, 4, 1)
    mask = torch.tensor([[[True, True, False, False]], [[True, True, True, False]]])
    out, w = _pair(student.scaled_dot_product_attention(q, k, v, mask))
    assert_close(
        expect_tensor(w, shape=(2, 3, 4), dtype=q.dtype, device=q.device, what="the weights", hint=SDPA_HINT),
        [[[0.5, 0.5, 0, 0]] * 3, [[1 / 3, 1 / 3, 1 / 3, 0]] * 3],
        **F32,
        what="the weights",
    )
    assert_close(
        expect_tensor(out, shape=(2, 3, 1), dtype=q.dtype, device=q.device, what="the output", hint=SDPA_HINT),
        [[[0.5]] * 3, [[5.0]] * 3],
        **F32,
        what="the output",
    )


@pytest.mark.task(SDPA)
def test_sdpa_does_not_modify_inputs(student):
    """q, k, v and the mask are left as they were"""
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    mask = torch.ones(3, 3, dtype=torch.bool).tril()
    _, after = student.call_with_args(SDPA, x, x.clone(), x.clone(), mask)
    for name, before, now in zip(("q", "k", "v", "mask"), (x, x, x, mask), after):
        assert_unchanged(before, now, what=name)


X2 = [[[1.0, 0.0], [0.0, 1.0]]]


@pytest.mark.task(MHA)
@pytest.mark.parametrize(
    ("num_heads", "expected"),
    [
        pytest.param(2, [[[0.7310585786300049, 0.5], [0.5, 0.7310585786300049]]], id="2 heads"),
        pytest.param(
            1, [[[0.6697615493266569, 0.33023845067334306], [0.33023845067334306, 0.6697615493266569]]], id="1 head"
        ),
    ],
)
def test_mha_worked_example(student, num_heads, expected):
    """identity weights, x = [[[1, 0], [0, 1]]]: 2 heads of size 1, or 1 head of size 2"""
    x, eye = torch.tensor(X2), torch.eye(2)
    out = student.multi_head_attention(x, eye, eye, eye, eye, num_heads)
    assert_close(expect_tensor(out, like=x, hint=MHA_HINT), expected, **F32)


@pytest.mark.task(MHA)
def test_mha_causal_mask(student):
    """2 heads with the causal mask tril(ones(2, 2))"""
    x, eye = torch.tensor(X2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
    mask = torch.ones(2, 2, dtype=torch.bool).tril()
    out = student.multi_head_attention(x, eye, eye, eye, eye, 2, mask)
    assert_close(
        expect_tensor(out, like=x, hint=MHA_HINT), [[[1.0, 0.0], [0.5, 0.7310585786300049]]], rtol=1e-12, atol=1e-12
    )


@pytest.mark.task(MHA)
def test_mha_projections(student):
    """one token attends only to itself: out = x @ w_v @ w_o (w applied as x @ w)"""
    x = torch.tensor([[[1.0, 2.0, 3.0]], [[0.0, -1.0, 1.0]]])  # (B=2, L=1, D=3)
    w_q = torch.zeros(3, 3)
    w_v = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])  # not symmetric
    w_o = torch.diag(torch.tensor([1.0, 10.0, 100.0]))
    out = student.multi_head_attention(x, w_q, w_q, w_v, w_o, 3)
    assert_close(expect_tensor(out, like=x, hint=MHA_HINT), [[[3.0, 10.0, 200.0]], [[1.0, 0.0, -100.0]]], **F32)


@pytest.mark.task(MHA, edge=True)
def test_mha_rejects_heads_not_dividing_d(student):
    """D = 3 with num_heads = 2 raises ValueError"""
    x, eye = torch.ones(1, 2, 3), torch.eye(3)
    student.expect_raises(ValueError, MHA, x, eye, eye, eye, eye, 2)


@pytest.mark.task(PE)
def test_pe_2x4(student):
    """PE(2, 4): row 1 is (sin 1, cos 1, sin 0.01, cos 0.01)"""
    out = expect_tensor(
        student.sinusoidal_positional_encoding(2, 4), shape=(2, 4), dtype=torch.float32, device="cpu", hint=PE_HINT
    )
    assert_close(
        out,
        [[0.0, 1.0, 0.0, 1.0], [0.8414709848078965, 0.5403023058681398, 0.009999833334166664, 0.9999500004166653]],
        **F32,
    )


@pytest.mark.task(PE)
def test_pe_odd_d_model(student):
    """PE(3, 3): the last column is sin(pos / 10000^(2/3))"""
    out = expect_tensor(
        student.sinusoidal_positional_encoding(3, 3), shape=(3, 3), dtype=torch.float32, device="cpu", hint=PE_HINT
    )
    assert_close(
        out,
        [
            [0.0, 1.0, 0.0],
            [0.8414709848078965, 0.5403023058681398, 0.0021544330233656045],
            [0.9092974268256817, -0.4161468365471424, 0.0043088560467428125],
        ],
        **F32,
    )
