"""Hidden graders for attention (never shipped to students).

Expected values come from independent float64 computations in this process: torch's own
F.scaled_dot_product_attention (its weights obtained by attending over identity values) and
nn.MultiheadAttention with the same weights copied in, cross-checked against a small oracle
written here from the contract's formulas. The oracle also produces what the usual mistakes
would return, so feedback can name them. Inputs have every dimension distinct (Lq != Lk,
d_k != d_v, several heads with d_head > 1), non-zero biases, and masks that are neither all-true
nor leave a row (or, inverted, a row) with no allowed key.

Tolerances accept a correct float32 implementation: the module's parameters are float32 (the
nn.Linear default), and values are O(1).
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlgrade.grading.checks import expect_close, expect_equal, expect_tensor, fail, is_close
from dlgrade.grading.transport import StudentRaised

# Gradescope shows these results (name, score, message) once the due date has passed, and the
# total with them: a student learns after the deadline which part cost points (README, "What
# Gradescope shows"). Never "hidden": Gradescope would then never show them, nor the total.
pytestmark = pytest.mark.visibility("after_due_date")

RTOL, ATOL = 1e-4, 1e-5      # attention outputs and weights (float32-safe, values O(1))
PE_ATOL = 5e-5               # float32 encodings (any formula) err by < 3e-6 up to p = 200; a base off by 1 in 10^4 errs by 5e-4
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-5


class GraderBug(RuntimeError):
    """The grader's own oracle disagrees with torch: never the student's fault."""


def gen(seed):
    return torch.Generator().manual_seed(seed)


def randn(seed, *shape, scale=1.0, dtype=torch.float64):
    return (torch.randn(*shape, generator=gen(seed), dtype=torch.float64) * scale).to(dtype)


def random_mask(seed, shape):
    """A bool mask in which every row (last axis) has at least one True and at least one False."""
    g = gen(seed)
    m = torch.rand(*shape, generator=g) < 0.6
    rows = m.reshape(-1, shape[-1])
    n = shape[-1]
    for r in range(rows.shape[0]):
        on = int(torch.randint(n, (1,), generator=g))
        off = (on + 1 + int(torch.randint(n - 1, (1,), generator=g))) % n
        rows[r, on], rows[r, off] = True, False
    return rows.reshape(shape)


# ---- oracle: scaled dot-product attention ----------------------------------------------------
def torch_sdpa(q, k, v, mask=None):
    """(out, weights) from torch's SDPA in float64; weights = attention over identity values."""
    q, k, v = q.double(), k.double(), v.double()
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    Lk = k.shape[-2]
    batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], () if mask is None else mask.shape[:-2])
    eye = torch.eye(Lk, dtype=torch.float64).expand(*batch, Lk, Lk)
    weights = F.scaled_dot_product_attention(q.expand(*batch, *q.shape[-2:]), k.expand(*batch, *k.shape[-2:]),
                                             eye, attn_mask=mask)
    return out, weights


def o_sdpa(q, k, v, mask=None):
    """The contract's formula in float64: softmax(q k^T / sqrt(d_k), blocked scores -inf) v."""
    q, k, v = q.double(), k.double(), v.double()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:  # a query with every key blocked: zero weights and output, as torch gives
        weights = torch.where(torch.isnan(weights), torch.zeros((), dtype=weights.dtype), weights)
    return weights @ v, weights


# Known mistakes of scaled_dot_product_attention, each simulated on its own: (out, weights).
def _scores(q, k, scale):
    return q.double() @ k.double().transpose(-2, -1) / scale


def _blocked(scores, mask, fill=float("-inf")):
    return scores if mask is None else scores.masked_fill(~mask, fill)


def sdpa_no_scale(q, k, v, mask=None):
    weights = torch.softmax(_blocked(_scores(q, k, 1.0), mask), dim=-1)
    return weights @ v.double(), weights


def sdpa_dk(q, k, v, mask=None):
    weights = torch.softmax(_blocked(_scores(q, k, q.shape[-1]), mask), dim=-1)
    return weights @ v.double(), weights


def sdpa_sqrt_dv(q, k, v, mask=None):
    weights = torch.softmax(_blocked(_scores(q, k, math.sqrt(v.shape[-1])), mask), dim=-1)
    return weights @ v.double(), weights


def sdpa_axis(q, k, v, mask=None):
    weights = torch.softmax(_blocked(_scores(q, k, math.sqrt(q.shape[-1])), mask), dim=-2)
    return weights @ v.double(), weights


def sdpa_inverted(q, k, v, mask):
    weights = torch.softmax(_blocked(_scores(q, k, math.sqrt(q.shape[-1])), ~mask), dim=-1)
    return weights @ v.double(), weights


def sdpa_after_softmax(q, k, v, mask):
    weights = torch.softmax(_scores(q, k, math.sqrt(q.shape[-1])), dim=-1).masked_fill(~mask, 0.0)
    return weights @ v.double(), weights


def sdpa_zero_fill(q, k, v, mask):
    weights = torch.softmax(_blocked(_scores(q, k, math.sqrt(q.shape[-1])), mask, 0.0), dim=-1)
    return weights @ v.double(), weights


def simulate(simulations, name):
    """The function simulating the known mistake `name`; an unknown name is the grader's bug."""
    if name not in simulations:
        raise GraderBug(f"no simulation of the mistake {name!r}")
    return simulations[name]


def expected_sdpa(q, k, v, mask=None):
    out, weights = torch_sdpa(q, k, v, mask)
    mine, mine_w = o_sdpa(q, k, v, mask)
    if not (torch.allclose(out, mine, rtol=1e-9, atol=1e-12) and torch.allclose(weights, mine_w, rtol=1e-9, atol=1e-12)):
        raise GraderBug("the oracle disagrees with torch's scaled_dot_product_attention")
    return out, weights


SDPA_MISTAKES = {
    "no_scale": "the scores are not scaled: divide q @ k^T by sqrt(d_k)",
    "dk": "the scores are divided by d_k; the scale is sqrt(d_k)",
    "sqrt_dv": "the scores are divided by sqrt(d_v), the value size; the scale is sqrt(d_k), the query/key size",
    "axis": "the softmax runs over the wrong axis (over the queries); it must normalise over the keys, the last axis",
    "inverted": "the mask convention is inverted: True means 'may attend', so fill the scores where the mask is False",
    "after_softmax": ("the mask is applied after the softmax: set blocked scores to -inf before it, so that each row "
                      "still sums to 1"),
    "zero_fill": "blocked scores are set to 0 instead of -inf before the softmax, so blocked keys still get weight",
}


SDPA_SIMULATIONS = {"no_scale": sdpa_no_scale, "dk": sdpa_dk, "sqrt_dv": sdpa_sqrt_dv, "axis": sdpa_axis,
                    "inverted": sdpa_inverted, "after_softmax": sdpa_after_softmax, "zero_fill": sdpa_zero_fill}
assert SDPA_SIMULATIONS.keys() == SDPA_MISTAKES.keys()  # every message has its simulation


def sdpa_mistakes(q, k, v, mask, which):
    """{message: wrong value} for output (which=0) or weights (which=1), for every known mistake."""
    variants = ["no_scale", "dk", "sqrt_dv", "axis"] + (["inverted", "after_softmax", "zero_fill"] if mask is not None else [])
    out = {}
    for name in variants:
        value = simulate(SDPA_SIMULATIONS, name)(q, k, v, mask)[which]
        if torch.isfinite(value).all():
            out[SDPA_MISTAKES[name]] = value
    return out


def call_sdpa(student, q, k, v, mask=None, hint=""):
    """The student's (out, weights), checked to be a pair; a crash gets a hint about batch axes."""
    args = (q, k, v) if mask is None else (q, k, v, mask)
    try:
        reply = student.scaled_dot_product_attention(*args)
    except StudentRaised as e:
        if hint:
            fail(f"{e}\n(hint: {hint})")
        raise
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail("scaled_dot_product_attention should return a tuple (out, weights)")
    return reply


def check_weights(weights, shape, mask, name):
    """The weights tensor: shape, blocked entries exactly where -inf would show masking after softmax."""
    w = expect_tensor(weights, name, shape=shape, finite=False)
    if mask is not None and torch.isneginf(w).any():
        if torch.equal(torch.isneginf(w), ~mask.expand(shape)):
            fail(f"{name} holds -inf where the mask is False: the mask was applied after the softmax; "
                 "set blocked scores to -inf before it")
    return expect_tensor(w, name, shape=shape)


def check_sdpa(student, q, k, v, mask=None, label="", hint="", credit=None):
    """Compare out and weights with torch's SDPA; out and weights are half the credit each."""
    out_ok, w_ok = expected_sdpa(q, k, v, mask)
    out, weights = call_sdpa(student, q, k, v, mask, hint)
    name = f"scaled_dot_product_attention{label}"
    parts = [("weights", 1, w_ok), ("out", 0, out_ok)]
    for what, which, expected in parts:
        with credit.part(0.5, what):
            mistakes = sdpa_mistakes(q, k, v, mask, which)
            if which == 1:
                got = check_weights(weights, expected.shape, mask, f"{name}: weights")
                sums = got.double().sum(-1)
                known = any(is_close(got, wrong, RTOL, ATOL) for wrong in mistakes.values())
                if not known and not is_close(sums, torch.ones_like(sums), 1e-4, 1e-5):
                    fail(f"{name}: the rows of weights do not sum to 1 (the softmax must normalise over the keys, "
                         "the last axis, with blocked scores set to -inf before it)")
            else:
                got = expect_tensor(out, f"{name}: out", shape=expected.shape)
            expect_close(got, expected, f"{name}: {what}", rtol=RTOL, atol=ATOL, mistakes=mistakes)


# ---- scaled_dot_product_attention ------------------------------------------------------------
@pytest.mark.points(3)
def test_sdpa_batched(student, credit):
    """scaled_dot_product_attention: batched, Lq != Lk, d_v != d_k, no mask"""
    B, Lq, Lk, dk, dv = 2, 3, 5, 4, 7
    q, k, v = randn(1, B, Lq, dk, scale=1.5), randn(2, B, Lk, dk, scale=1.5), randn(3, B, Lk, dv)
    check_sdpa(student, q, k, v, credit=credit,
               hint="transpose the last two axes of k (k.transpose(-2, -1)), whatever the number of batch axes")


@pytest.mark.points(1)
def test_sdpa_no_batch_axis(student, credit):
    """scaled_dot_product_attention: 2-D q, k, v (no batch axis)"""
    q, k, v = randn(4, 4, 6, scale=1.5), randn(5, 3, 6, scale=1.5), randn(6, 3, 2)
    check_sdpa(student, q, k, v, label=" (2-D inputs)", credit=credit,
               hint="'...' may be no axis at all: transpose the last two axes of k with k.transpose(-2, -1)")


@pytest.mark.points(2)
def test_sdpa_multi_head(student, credit):
    """scaled_dot_product_attention: (B, heads, L, d) inputs"""
    B, H, Lq, Lk, dk, dv = 2, 3, 4, 6, 5, 3
    q, k, v = randn(7, B, H, Lq, dk, scale=1.5), randn(8, B, H, Lk, dk, scale=1.5), randn(9, B, H, Lk, dv)
    check_sdpa(student, q, k, v, label=" (multi-head inputs)", credit=credit,
               hint="with (B, heads, L, d) inputs, transpose only the last two axes of k: k.transpose(-2, -1)")


MASK_CASES = {
    # id: (q shape, k/v batch shape, mask shape)
    "3-D, mask (Lq, Lk)": ((2, 4, 5), (2,), (4, 6)),
    "3-D, mask (B, Lq, Lk)": ((3, 4, 5), (3,), (3, 4, 6)),
    "4-D, mask (B, 1, Lq, Lk)": ((2, 3, 4, 5), (2, 3), (2, 1, 4, 6)),
    "4-D, padding mask (B, 1, 1, Lk)": ((2, 3, 4, 5), (2, 3), (2, 1, 1, 6)),
}


@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(MASK_CASES), ids=list(MASK_CASES))
def test_sdpa_masks(student, credit, case):
    """scaled_dot_product_attention: bool masks (True = may attend) of several broadcast shapes"""
    q_shape, batch, mask_shape = MASK_CASES[case]
    seed = 20 + list(MASK_CASES).index(case) * 5
    Lk, dv = 6, 3
    q = randn(seed, *q_shape, scale=1.5)
    k, v = randn(seed + 1, *batch, Lk, q_shape[-1], scale=1.5), randn(seed + 2, *batch, Lk, dv)
    mask = random_mask(seed + 3, mask_shape)
    check_sdpa(student, q, k, v, mask, label=f" with a mask of shape {mask_shape}", credit=credit,
               hint="the mask is a bool tensor that broadcasts against the scores (..., Lq, Lk): use "
                    "masked_fill(~mask, -inf), and transpose only the last two axes of k")


@pytest.mark.points(1)
def test_sdpa_query_with_every_key_blocked(student):
    """scaled_dot_product_attention: a query whose keys are all blocked gets zero weights and a zero output"""
    q, k, v = randn(45, 2, 4, 5), randn(46, 2, 6, 5), randn(47, 2, 6, 3)
    mask = random_mask(48, (4, 6))
    mask[2] = False  # query 2 may attend to nothing (a padded position under a causal mask does this)
    out_ok, w_ok = expected_sdpa(q, k, v, mask)
    out, weights = call_sdpa(student, q, k, v, mask)
    w = expect_tensor(weights, "scaled_dot_product_attention: weights", shape=w_ok.shape, finite=False)
    o = expect_tensor(out, "scaled_dot_product_attention: out", shape=out_ok.shape, finite=False)
    if not (torch.isfinite(w).all() and torch.isfinite(o).all()):
        fail("scaled_dot_product_attention gives nan for a query whose keys are all blocked (the softmax of a row "
             "of -inf); its weights and output should be 0, as F.scaled_dot_product_attention gives: set the blocked "
             "weights to 0 after the softmax too")
    expect_close(w, w_ok, "scaled_dot_product_attention: weights with a query whose keys are all blocked",
                 rtol=RTOL, atol=ATOL)
    expect_close(o, out_ok, "scaled_dot_product_attention: out with a query whose keys are all blocked",
                 rtol=RTOL, atol=ATOL)


@pytest.mark.points(2)
def test_sdpa_large_scores(student, credit):
    """scaled_dot_product_attention: scores of size 1e4 do not overflow"""
    B, Lq, Lk, dk, dv = 2, 5, 6, 4, 3
    q, k, v = randn(40, B, Lq, dk, scale=100.0), randn(41, B, Lk, dk, scale=100.0), randn(42, B, Lk, dv)
    scores = (q @ k.transpose(-2, -1) / 2.0).sort(dim=-1, descending=True).values
    if not (scores.abs().max() > 5e3 and (scores[..., 0] - scores[..., 1]).min() > 20):
        raise GraderBug("the large-score inputs should have scores of size 1e4 and no near ties")
    out_ok, w_ok = expected_sdpa(q, k, v)
    out, weights = call_sdpa(student, q, k, v)
    hint = "exp of a score of 1e4 overflows: use torch.softmax, or subtract each row's maximum before exp"
    w = expect_tensor(weights, "scaled_dot_product_attention: weights for scores of size 1e4", shape=w_ok.shape,
                      finite=False)
    if not torch.isfinite(w).all():
        fail(f"scaled_dot_product_attention: the weights contain nan or inf for scores of size 1e4 (an overflow); {hint}")
    expect_close(w, w_ok, "scaled_dot_product_attention: weights for scores of size 1e4", rtol=RTOL, atol=ATOL, hint=hint)
    o = expect_tensor(out, "scaled_dot_product_attention: out for scores of size 1e4", shape=out_ok.shape)
    expect_close(o, out_ok, "scaled_dot_product_attention: out for scores of size 1e4", rtol=RTOL, atol=ATOL)


@pytest.mark.points(1)
def test_sdpa_float32(student, credit):
    """scaled_dot_product_attention: float32 inputs with a causal mask"""
    B, H, L, dk, dv = 2, 2, 5, 6, 4
    q, k, v = (randn(50, B, H, L, dk, dtype=torch.float32), randn(51, B, H, L, dk, dtype=torch.float32),
               randn(52, B, H, L, dv, dtype=torch.float32))
    mask = torch.tril(torch.ones(L, L, dtype=torch.bool))
    check_sdpa(student, q, k, v, mask, label=" (float32, causal mask)", credit=credit,
               hint="with (B, heads, L, d) inputs, transpose only the last two axes of k: k.transpose(-2, -1)")


# ---- causal_mask ------------------------------------------------------------------------------
@pytest.mark.points(2)
@pytest.mark.parametrize("L", [1, 4, 7])
def test_causal_mask(student, credit, L):
    """causal_mask: (L, L) bool, True where key j <= query i"""
    value = student.causal_mask(L)
    m = expect_tensor(value, f"causal_mask({L})", shape=(L, L), floating=None)
    expected = np.tril(np.ones((L, L), dtype=bool))
    with credit.part(0.7, "values"):
        got = m.double().numpy() != 0
        if np.array_equal(got, np.tril(np.ones((L, L), dtype=bool), -1)):
            fail(f"causal_mask({L}) leaves out the diagonal: a query may attend to its own position (j <= i)")
        if np.array_equal(got, expected.T) and L > 1:
            fail(f"causal_mask({L}) is upper-triangular: True must be where key j <= query i, "
                 "on and below the diagonal (rows are queries, columns are keys)")
        if np.array_equal(got, ~expected):
            fail(f"causal_mask({L}) is inverted: True means 'may attend', which is where j <= i")
        expect_equal(got, expected, f"causal_mask({L})", hint="True on and below the diagonal (torch.tril)")
    values_ok = credit.parts[-1][1]
    with credit.part(0.3, "dtype"):
        if not values_ok:  # any constant bool tensor has the right dtype
            fail(f"causal_mask({L}) is wrong, so the right dtype earns nothing yet")
        if m.dtype != torch.bool:
            fail(f"causal_mask({L}) should have dtype torch.bool (True = may attend), got {m.dtype}")


# ---- sinusoidal_positional_encoding -----------------------------------------------------------
def o_pe(L, d):
    """PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d)), in float64."""
    p, i = _pe_grid(L, d)
    angle = p / 10000.0 ** (2 * i / d)
    return _interleaved(np.sin(angle), np.cos(angle))


def _pe_grid(L, d):
    return np.arange(L, dtype=np.float64)[:, None], np.arange(d // 2, dtype=np.float64)


def _interleaved(sin, cos):
    PE = np.zeros((sin.shape[0], 2 * sin.shape[1]))
    PE[:, 0::2], PE[:, 1::2] = sin, cos
    return PE


# Known mistakes of sinusoidal_positional_encoding, each simulated on its own.
def pe_swapped(L, d):
    p, i = _pe_grid(L, d)
    angle = p / 10000.0 ** (2 * i / d)
    return _interleaved(np.cos(angle), np.sin(angle))


def pe_odd_exponent(L, d):
    p, i = _pe_grid(L, d)
    return _interleaved(np.sin(p / 10000.0 ** (2 * i / d)), np.cos(p / 10000.0 ** ((2 * i + 1) / d)))


def pe_no_two(L, d):
    p, i = _pe_grid(L, d)
    angle = p / 10000.0 ** (i / d)
    return _interleaved(np.sin(angle), np.cos(angle))


def pe_concatenated(L, d):
    p, i = _pe_grid(L, d)
    angle = p / 10000.0 ** (2 * i / d)
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1)


def pe_from_one(L, d):
    p, i = _pe_grid(L, d)
    angle = (p + 1.0) / 10000.0 ** (2 * i / d)
    return _interleaved(np.sin(angle), np.cos(angle))


PE_SIMULATIONS = {"swapped": pe_swapped, "odd_exponent": pe_odd_exponent, "no_two": pe_no_two,
                  "concatenated": pe_concatenated, "from_one": pe_from_one}
PE_MISTAKES = {
    "swapped": "sin and cos are swapped: sin goes into the even columns 2i, cos into the odd columns 2i+1",
    "odd_exponent": "the odd columns use the exponent (2i+1)/d; columns 2i and 2i+1 share the frequency 1/10000^(2i/d)",
    "no_two": "the exponent is i/d; it is 2i/d, where i indexes the pairs of columns",
    "concatenated": "sin fills the first half of the columns and cos the second; they must interleave (sin at 2i, cos at 2i+1)",
    "from_one": "positions start at 1; the first position is p = 0",
}


@pytest.mark.points(1)
@pytest.mark.parametrize("L,d", [(9, 6), (40, 10), (17, 32), (3, 2), (200, 8)],
                         ids=["L=9,d=6", "L=40,d=10", "L=17,d=32", "L=3,d=2", "L=200,d=8"])
def test_positional_encoding(student, L, d):
    """sinusoidal_positional_encoding: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...)"""
    name = f"sinusoidal_positional_encoding({L}, {d})"
    PE = expect_tensor(student.sinusoidal_positional_encoding(L, d), name, shape=(L, d))
    expect_close(PE, o_pe(L, d), name, rtol=0, atol=PE_ATOL,
                 mistakes={message: simulate(PE_SIMULATIONS, name)(L, d) for name, message in PE_MISTAKES.items()})


# ---- MultiHeadSelfAttention -------------------------------------------------------------------
PROJ = ("q_proj", "k_proj", "v_proj", "out_proj")


def mhsa_weights(seed, d, bias=True):
    """Projection weights as float32 tensors, keyed like the module's state_dict."""
    W = {}
    for j, proj in enumerate(PROJ):
        W[f"{proj}.weight"] = randn(seed + j, d, d, scale=1.0 / math.sqrt(d), dtype=torch.float32)
        if bias:
            W[f"{proj}.bias"] = randn(seed + 10 + j, d, scale=0.5, dtype=torch.float32)
    return W


def torch_mha(x, W, n_heads, bias, allowed=None):
    """nn.MultiheadAttention (float64) with the weights copied in: (out, weights per head)."""
    B, L, d = x.shape
    mha = torch.nn.MultiheadAttention(d, n_heads, bias=bias, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([W[f"{p}.weight"] for p in PROJ[:3]]).double())
        mha.out_proj.weight.copy_(W["out_proj.weight"].double())
        if bias:
            mha.in_proj_bias.copy_(torch.cat([W[f"{p}.bias"] for p in PROJ[:3]]).double())
            mha.out_proj.bias.copy_(W["out_proj.bias"].double())
    attn_mask = None
    if allowed is not None:
        blocked = ~allowed
        attn_mask = blocked if blocked.dim() == 2 else blocked.expand(B, n_heads, L, L).reshape(B * n_heads, L, L)
    with torch.no_grad():
        out, weights = mha(x.double(), x.double(), x.double(), attn_mask=attn_mask, need_weights=True,
                           average_attn_weights=False)
    return out, weights


def allowed_of(L, mask, causal):
    c = torch.tril(torch.ones(L, L, dtype=torch.bool))
    if causal:
        return c if mask is None else mask & c
    return mask


def o_mhsa(x, W, H, mask=None, causal=False):
    """Multi-head self-attention from the contract in float64: (out, weights)."""
    B, L, d = x.shape
    dh = d // H
    x = x.double()
    q, k, v = (_proj(W, name, x).reshape(B, L, H, dh).transpose(1, 2) for name in ("q_proj", "k_proj", "v_proj"))
    allowed = allowed_of(L, mask, causal)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return _proj(W, "out_proj", (weights @ v).transpose(1, 2).reshape(B, L, d)), weights


def _proj(W, name, t):
    out = t @ W[f"{name}.weight"].double().T
    return out + W[f"{name}.bias"].double() if f"{name}.bias" in W else out


# Known mistakes of MultiHeadSelfAttention, each simulated on its own; _mhsa_with takes the
# pieces a mistake changes (mistakes only: the oracle above is written out whole).
def _mhsa_with(x, W, H, allowed, split, merge, scale, out_proj=True):
    x = x.double()
    q, k, v = (split(_proj(W, name, x)) for name in ("q_proj", "k_proj", "v_proj"))
    scores = q @ k.transpose(-2, -1) / scale
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = merge(weights @ v)
    return (_proj(W, "out_proj", out) if out_proj else out), weights


def _heads(x, H):
    """(B, L, d) -> (B, H, L, d_head), the contract's split."""
    B, L, d = x.shape
    return lambda t: t.reshape(B, L, H, d // H).transpose(1, 2)


def _merge(x):
    B, L, d = x.shape
    return lambda t: t.transpose(1, 2).reshape(B, L, d)


def mhsa_strided(x, W, H, mask=None, causal=False):
    B, L, d = x.shape
    return _mhsa_with(x, W, H, allowed_of(L, mask, causal), lambda t: t.reshape(B, L, d // H, H).permute(0, 3, 1, 2),
                      lambda t: t.permute(0, 2, 3, 1).reshape(B, L, d), math.sqrt(d // H))


def mhsa_split_no_transpose(x, W, H, mask=None, causal=False):
    B, L, d = x.shape
    return _mhsa_with(x, W, H, allowed_of(L, mask, causal), lambda t: t.reshape(B, H, L, d // H),
                      lambda t: t.reshape(B, L, d), math.sqrt(d // H))


def mhsa_merge_no_transpose(x, W, H, mask=None, causal=False):
    B, L, d = x.shape
    return _mhsa_with(x, W, H, allowed_of(L, mask, causal), _heads(x, H), lambda t: t.reshape(B, L, d),
                      math.sqrt(d // H))


def mhsa_scale_d_model(x, W, H, mask=None, causal=False):
    L, d = x.shape[1], x.shape[2]
    return _mhsa_with(x, W, H, allowed_of(L, mask, causal), _heads(x, H), _merge(x), math.sqrt(d))


def mhsa_causal_replaces_mask(x, W, H, mask=None, causal=False):
    L, d = x.shape[1], x.shape[2]
    allowed = allowed_of(L, None, True) if causal else allowed_of(L, mask, causal)
    return _mhsa_with(x, W, H, allowed, _heads(x, H), _merge(x), math.sqrt(d // H))


def mhsa_mask_ignored(x, W, H, mask=None, causal=False):
    L, d = x.shape[1], x.shape[2]
    return _mhsa_with(x, W, H, allowed_of(L, None, causal), _heads(x, H), _merge(x), math.sqrt(d // H))


def mhsa_no_out_proj(x, W, H, mask=None, causal=False):
    L, d = x.shape[1], x.shape[2]
    return _mhsa_with(x, W, H, allowed_of(L, mask, causal), _heads(x, H), _merge(x), math.sqrt(d // H),
                      out_proj=False)


MHSA_SIMULATIONS = {"strided": mhsa_strided, "split_no_transpose": mhsa_split_no_transpose,
                    "merge_no_transpose": mhsa_merge_no_transpose, "scale_d_model": mhsa_scale_d_model,
                    "causal_replaces_mask": mhsa_causal_replaces_mask, "mask_ignored": mhsa_mask_ignored,
                    "no_out_proj": mhsa_no_out_proj}


MHSA_MISTAKES = {
    "strided": "the heads are not contiguous column blocks: head h must use columns [h*d_head, (h+1)*d_head) "
               "(view the projection as (B, L, n_heads, d_head), then transpose to (B, n_heads, L, d_head))",
    "split_no_transpose": "the projections are viewed as (B, n_heads, L, d_head) directly, which mixes positions "
                          "and columns: view as (B, L, n_heads, d_head) and then transpose(1, 2)",
    "merge_no_transpose": "the heads are concatenated without moving the head axis back: transpose (B, n_heads, L, "
                          "d_head) to (B, L, n_heads, d_head) before reshaping to (B, L, d_model)",
    "scale_d_model": "the scores are divided by sqrt(d_model); each head scales by sqrt(d_head)",
    "causal_replaces_mask": "with causal=True the given mask is ignored: and it with causal_mask(L), do not replace it",
    "mask_ignored": "the mask passed to forward is ignored",
    "no_out_proj": "the concatenated heads do not go through out_proj",
}


assert PE_SIMULATIONS.keys() == PE_MISTAKES.keys() and MHSA_SIMULATIONS.keys() == MHSA_MISTAKES.keys()


def mhsa_mistakes(x, W, H, mask, causal, which):
    out = {}
    for name, message in MHSA_MISTAKES.items():
        if name in ("causal_replaces_mask", "mask_ignored") and mask is None:
            continue
        if name == "causal_replaces_mask" and not causal:
            continue
        if which == 1 and name in ("merge_no_transpose", "no_out_proj"):
            continue  # the weights are right for these
        value = simulate(MHSA_SIMULATIONS, name)(x, W, H, mask, causal)[which]
        if torch.isfinite(value).all():
            out[message] = value
    return out


def expected_mhsa(x, W, H, bias, mask, causal):
    allowed = allowed_of(x.shape[1], mask, causal)
    out, weights = torch_mha(x, W, H, bias, allowed)
    mine, mine_w = o_mhsa(x, W, H, mask, causal)
    if not (torch.allclose(out, mine, rtol=1e-9, atol=1e-12) and torch.allclose(weights, mine_w, rtol=1e-9, atol=1e-12)):
        raise GraderBug("the oracle disagrees with nn.MultiheadAttention")
    return out, weights


def mhsa_problem(seed, B=2, L=5, d=12, H=3, bias=True):
    return randn(seed, B, L, d, dtype=torch.float32), mhsa_weights(seed + 100, d, bias)


SDPA_FIRST = "if the scaled_dot_product_attention or causal_mask tests fail too, fix those first"


def check_mhsa(student, credit, x, W, H, bias, mask=None, causal=False, label=""):
    B, L, d = x.shape
    reply = student.probe("MultiHeadSelfAttention_forward", d, H, causal, bias, W, x, mask)
    out_ok, w_ok = expected_mhsa(x, W, H, bias, mask, causal)
    name = f"MultiHeadSelfAttention{label}"
    with credit.part(0.5, "output"):
        out = expect_tensor(reply["out"], f"{name}: the output", shape=(B, L, d))
        expect_close(out, out_ok, f"{name}: the output", rtol=RTOL, atol=ATOL,
                     mistakes=mhsa_mistakes(x, W, H, mask, causal, 0), hint=SDPA_FIRST)
    with credit.part(0.5, "last_weights"):
        if reply["last_weights"] is None:
            fail(f"{name}: last_weights is not set by forward (keep the weights of every head)")
        lw = reply["last_weights"]
        if hasattr(lw, "shape") and tuple(lw.shape) == (B, L, L):
            fail(f"{name}: last_weights has shape {(B, L, L)}, expected (B, n_heads, L, L) = {(B, H, L, L)}: "
                 "keep every head's weights, do not average them")
        lw = expect_tensor(lw, f"{name}: last_weights", shape=(B, H, L, L))
        expect_close(lw, w_ok, f"{name}: last_weights", rtol=RTOL, atol=ATOL,
                     mistakes=mhsa_mistakes(x, W, H, mask, causal, 1), hint=SDPA_FIRST)
    return reply


@pytest.mark.points(1)
@pytest.mark.gate("test_mhsa_matches_torch")  # four projections that forward never uses are no attention
def test_mhsa_parameters(student, credit):
    """MultiHeadSelfAttention: four d_model -> d_model projections, bias as asked"""
    d, H = 12, 3
    for bias in (True, False):
        with credit.part(0.5, f"bias={bias}"):
            x, W = mhsa_problem(60, d=d, H=H, bias=bias)
            reply = student.probe("MultiHeadSelfAttention_forward", d, H, False, bias, W, x)
            got = {name: tuple(shape) for name, shape in reply["params"]}
            expected = {f"{p}.weight": (d, d) for p in PROJ}
            if bias:
                expected.update({f"{p}.bias": (d,) for p in PROJ})
            extra = sorted(set(got) - set(expected))
            if not bias and any(n.endswith(".bias") for n in extra):
                fail("MultiHeadSelfAttention(..., bias=False) still has bias parameters: pass bias=bias to nn.Linear")
            missing = sorted(set(expected) - set(got))
            if missing:
                fail(f"MultiHeadSelfAttention(..., bias={bias}) lacks the parameters {', '.join(missing)}")
            if extra:
                fail(f"MultiHeadSelfAttention has parameters the contract does not have: {', '.join(extra[:4])}")
            wrong = [n for n in expected if got[n] != expected[n]]
            if wrong:
                fail(f"MultiHeadSelfAttention: {wrong[0]} has shape {got[wrong[0]]}, expected {expected[wrong[0]]}")


@pytest.mark.points(3)
def test_mhsa_matches_torch(student, credit):
    """MultiHeadSelfAttention: equals nn.MultiheadAttention with the same weights (no mask)"""
    x, W = mhsa_problem(61)
    check_mhsa(student, credit, x, W, 3, True)


@pytest.mark.points(2)
def test_mhsa_causal(student, credit):
    """MultiHeadSelfAttention(causal=True): equals nn.MultiheadAttention with a causal mask"""
    x, W = mhsa_problem(62, B=3, L=6, d=8, H=2)
    check_mhsa(student, credit, x, W, 2, True, causal=True, label="(causal=True)")


MHSA_MASK_CASES = {"mask (L, L)": (False, (5, 5)), "causal and mask (B, 1, L, L)": (True, (2, 1, 5, 5))}


@pytest.mark.points(2)
@pytest.mark.parametrize("case", list(MHSA_MASK_CASES), ids=list(MHSA_MASK_CASES))
def test_mhsa_masks(student, credit, case):
    """MultiHeadSelfAttention: a bool mask (True = may attend) passed to forward"""
    causal, shape = MHSA_MASK_CASES[case]
    seed = 63 + list(MHSA_MASK_CASES).index(case)
    x, W = mhsa_problem(seed)
    mask = random_mask(seed + 7, shape)
    if causal:  # keep at least one allowed key per row once and-ed with the causal mask
        mask[..., :, 0] = True
        mask[..., 3, 1:4] = False
    check_mhsa(student, credit, x, W, 3, True, mask=mask, causal=causal,
               label=f"(causal={causal}, mask of shape {shape})")


@pytest.mark.points(1)
def test_mhsa_no_bias(student, credit):
    """MultiHeadSelfAttention(bias=False): equals nn.MultiheadAttention(bias=False)"""
    x, W = mhsa_problem(66, B=2, L=4, d=10, H=2, bias=False)
    check_mhsa(student, credit, x, W, 2, False, causal=True, label="(bias=False)")


@pytest.mark.points(2)
def test_mhsa_heads_are_column_blocks(student, credit):
    """MultiHeadSelfAttention: head h attends with columns [h*d_head, (h+1)*d_head) of q and k"""
    B, L, d, H = 2, 5, 12, 4
    x, W = mhsa_problem(67, B=B, L=L, d=d, H=H)
    reply = student.probe("MultiHeadSelfAttention_forward", d, H, False, True, W, x)
    lw = expect_tensor(reply["last_weights"], "MultiHeadSelfAttention: last_weights", shape=(B, H, L, L))
    dh = d // H
    q = x.double() @ W["q_proj.weight"].double().T + W["q_proj.bias"].double()
    k = x.double() @ W["k_proj.weight"].double().T + W["k_proj.bias"].double()
    wrong = {MHSA_MISTAKES[v]: simulate(MHSA_SIMULATIONS, v)(x, W, H)[1]
             for v in ("strided", "split_no_transpose", "scale_d_model")}
    for h in range(H):
        cols = slice(h * dh, (h + 1) * dh)
        expected = torch.softmax(q[..., cols] @ k[..., cols].transpose(-2, -1) / math.sqrt(dh), dim=-1)
        with credit.part(1.0 / H, f"head {h}"):
            expect_close(lw[:, h], expected, f"MultiHeadSelfAttention: the weights of head {h}", rtol=RTOL, atol=ATOL,
                         mistakes={m: w[:, h] for m, w in wrong.items()})


@pytest.mark.points(2)
def test_mhsa_gradients(student, credit):
    """MultiHeadSelfAttention: gradients reach q_proj, k_proj, v_proj and out_proj"""
    B, L, d, H = 2, 5, 12, 3
    x, W = mhsa_problem(68, B=B, L=L, d=d, H=H)
    mask = random_mask(75, (L, L))
    mask[:, 0] = True  # every query keeps a key once and-ed with the causal mask
    G = randn(69, B, L, d, dtype=torch.float32)
    reply = student.probe("MultiHeadSelfAttention_gradients", d, H, True, True, W, x, G, mask)
    # the same loss through nn.MultiheadAttention in float64
    mha = torch.nn.MultiheadAttention(d, H, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([W[f"{p}.weight"] for p in PROJ[:3]]).double())
        mha.in_proj_bias.copy_(torch.cat([W[f"{p}.bias"] for p in PROJ[:3]]).double())
        mha.out_proj.weight.copy_(W["out_proj.weight"].double())
        mha.out_proj.bias.copy_(W["out_proj.bias"].double())
    xd = x.double()
    out, _ = mha(xd, xd, xd, attn_mask=~allowed_of(L, mask, True), need_weights=False)
    (out * G.double()).sum().backward()
    in_grad = mha.in_proj_weight.grad
    expected = {"q_proj": in_grad[:d], "k_proj": in_grad[d:2 * d], "v_proj": in_grad[2 * d:],
                "out_proj": mha.out_proj.weight.grad}
    grads = reply["grads"] if isinstance(reply, dict) and isinstance(reply.get("grads"), dict) else {}
    for proj in PROJ:
        with credit.part(0.25, proj):
            g = grads.get(proj)
            if g is None:
                fail(f"MultiHeadSelfAttention: no gradient reached {proj}.weight; the computation from {proj} "
                     "to the output must stay in the autograd graph (no .detach(), .data, .item() or torch.no_grad())")
            g = expect_tensor(g, f"MultiHeadSelfAttention: the gradient of {proj}.weight", shape=(d, d))
            if not g.abs().max() > 0:
                fail(f"MultiHeadSelfAttention: the gradient of {proj}.weight is zero; the computation from {proj} "
                     "to the output must stay in the autograd graph (no .detach(), .data or torch.no_grad())")
            expect_close(g, expected[proj], f"MultiHeadSelfAttention: the gradient of {proj}.weight",
                         rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.points(2)
@pytest.mark.gate("test_mhsa_causal")  # a constant output ignores the future too
def test_mhsa_causality(student, credit):
    """MultiHeadSelfAttention(causal=True): the output at position i ignores the tokens after i"""
    B, L, d, H = 2, 6, 8, 2
    x1, W = mhsa_problem(70, B=B, L=L, d=d, H=H)
    i = 2
    x2 = x1.clone()
    x2[:, i + 1:] = randn(71, B, L - i - 1, d, dtype=torch.float32)
    reply = student.probe("MultiHeadSelfAttention_two_inputs", d, H, True, True, W, x1, x2)
    if not (isinstance(reply, list) and len(reply) == 2):
        fail("MultiHeadSelfAttention: forward should return a tensor")
    out1 = expect_tensor(reply[0], "MultiHeadSelfAttention(causal=True): the output", shape=(B, L, d))
    out2 = expect_tensor(reply[1], "MultiHeadSelfAttention(causal=True): the output", shape=(B, L, d))
    with credit.part(0.7, "positions up to i unchanged"):
        if not is_close(out1[:, :i + 1], out2[:, :i + 1], RTOL, ATOL):
            fail(f"MultiHeadSelfAttention(causal=True): the output at positions 0..{i} changed when only the tokens "
                 f"after position {i} changed, so a query attends to later keys (the causal mask must allow j <= i)")
    with credit.part(0.3, "later positions see the change"):
        if is_close(out1[:, i + 1:], out2[:, i + 1:], RTOL, ATOL):
            fail(f"MultiHeadSelfAttention(causal=True): the output after position {i} did not change when the "
                 "tokens there changed; a query must attend to every key j <= i, its own position included")
