"""Public tests for attention: run them with `pytest` beside your attention.py.

They check values you can work out by hand, random float64 inputs against PyTorch's own
attention (torch.nn.functional.scaled_dot_product_attention, nn.MultiheadAttention), and
invariants (rows of weights sum to 1, a causal model ignores the future). The hidden tests that
decide your grade compare every value with PyTorch's attention on other shapes and masks, to a
relative error of 1e-4 (float32 inputs stay float32; float64 inputs should stay float64).

In the grade, a check that only looks at a shape, a property or one of these worked examples
(marked `gate`) earns its points only once the same function also gets the hidden values right:
a function that returns constants, or these answers hard-coded, earns nothing.

MultiHeadSelfAttention is an nn.Module, so these tests reach it through the small driver
functions in probes.py (they build your module, copy the weights in and run it).
"""
import math

import pytest
import torch
import torch.nn.functional as F

from dlgrade.grading.checks import expect_close, expect_tensor, fail

pytestmark = pytest.mark.visibility("visible")


def pair(reply, name="scaled_dot_product_attention"):
    if not (isinstance(reply, tuple) and len(reply) == 2):
        fail(f"{name} should return a tuple (out, weights)")
    return reply


@pytest.mark.gate("test_sdpa_batched")
@pytest.mark.points(1)
def test_sdpa_equal_keys_give_uniform_weights(student):
    """scaled_dot_product_attention: identical keys get equal weights; out is the mean of v"""
    q = torch.tensor([[[1.0, 2.0], [0.0, -1.0]]])             # (1, 2, 2): 2 queries
    k = torch.ones(1, 3, 2)                                   # (1, 3, 2): 3 identical keys
    v = torch.tensor([[[1.0, 0.0, 3.0], [2.0, 0.0, 0.0], [3.0, 6.0, 0.0]]])  # (1, 3, 3)
    out, weights = pair(student.scaled_dot_product_attention(q, k, v))
    weights = expect_tensor(weights, "weights", shape=(1, 2, 3))
    expect_close(weights, torch.full((1, 2, 3), 1 / 3), "weights for identical keys")
    out = expect_tensor(out, "out", shape=(1, 2, 3))
    expect_close(out, torch.tensor([[[2.0, 2.0, 1.0], [2.0, 2.0, 1.0]]]), "out for identical keys")


@pytest.mark.gate("test_sdpa_batched", "test_sdpa_no_batch_axis")
@pytest.mark.points(1)
def test_sdpa_two_keys_by_hand(student):
    """scaled_dot_product_attention: q.k = 2 sqrt(d_k) ln 3 vs 0 gives weights 9/10 and 1/10"""
    d_k = 4
    s = 2 * math.sqrt(d_k) * math.log(3.0)
    q = torch.tensor([[1.0, 0.0, 0.0, 0.0]])                   # (1, 4), no batch axis
    k = torch.tensor([[s, 0.0, 0.0, 0.0], [0.0, 5.0, 0.0, 0.0]])  # scores s / sqrt(d_k) = ln 9 and 0
    v = torch.tensor([[10.0], [0.0]])
    out, weights = pair(student.scaled_dot_product_attention(q, k, v))
    expect_close(expect_tensor(weights, "weights", shape=(1, 2)), torch.tensor([[0.9, 0.1]]),
                 "weights", hint="scale the scores by 1 / sqrt(d_k) and take the softmax over the keys")
    expect_close(expect_tensor(out, "out", shape=(1, 1)), torch.tensor([[9.0]]), "out")


@pytest.mark.gate("test_sdpa_masks")
@pytest.mark.points(1)
def test_sdpa_mask_shapes_and_rows(student):
    """scaled_dot_product_attention: shapes, masked weights are 0 and rows sum to 1"""
    g = torch.Generator().manual_seed(0)
    q, k, v = torch.randn(2, 3, 4, generator=g), torch.randn(2, 5, 4, generator=g), torch.randn(2, 5, 6, generator=g)
    mask = torch.tensor([[True, False, True, True, False]] * 3)  # (Lq, Lk): keys 1 and 4 blocked
    out, weights = pair(student.scaled_dot_product_attention(q, k, v, mask))
    expect_tensor(out, "out", shape=(2, 3, 6))
    weights = expect_tensor(weights, "weights", shape=(2, 3, 5))
    expect_close(weights[..., [1, 4]], torch.zeros(2, 3, 2), "weights of blocked keys",
                 hint="True means 'may attend': set the scores where the mask is False to -inf before the softmax")
    expect_close(weights.sum(-1), torch.ones(2, 3), "row sums of weights", hint="softmax over the last axis (the keys)")


@pytest.mark.gate("test_sdpa_masks")
@pytest.mark.points(1)
def test_sdpa_one_allowed_key_copies_its_value(student):
    """scaled_dot_product_attention: a query allowed one key returns that key's value"""
    g = torch.Generator().manual_seed(1)
    q, k, v = torch.randn(3, 4, generator=g), torch.randn(3, 4, generator=g), torch.randn(3, 2, generator=g)
    mask = torch.eye(3, dtype=torch.bool)  # query i may attend to key i only
    out, _ = pair(student.scaled_dot_product_attention(q, k, v, mask))
    expect_close(expect_tensor(out, "out", shape=(3, 2)), v, "out when each query may attend to one key")


@pytest.mark.gate("test_causal_mask")
@pytest.mark.points(1)
def test_causal_mask_small(student):
    """causal_mask(3): True on and below the diagonal, dtype bool"""
    m = expect_tensor(student.causal_mask(3), "causal_mask(3)", shape=(3, 3), floating=None)
    if m.dtype != torch.bool:
        fail(f"causal_mask should return a bool tensor, got {m.dtype}")
    expected = torch.tensor([[True, False, False], [True, True, False], [True, True, True]])
    if not torch.equal(m, expected):
        fail("causal_mask(3) is wrong: row i (a query) is True for keys j <= i")


@pytest.mark.gate("test_positional_encoding")
@pytest.mark.points(1)
def test_positional_encoding_first_columns(student):
    """sinusoidal_positional_encoding: PE[0] = [0, 1, 0, 1, ...], columns 0 and 1 are sin(p), cos(p)"""
    L, d = 5, 6
    PE = expect_tensor(student.sinusoidal_positional_encoding(L, d), "PE", shape=(L, d))
    expect_close(PE[0], torch.tensor([0.0, 1.0] * (d // 2)), "PE[0]", atol=1e-6)
    p = torch.arange(L, dtype=torch.float64)
    expect_close(PE[:, 0], torch.sin(p), "PE[:, 0]", atol=1e-6, hint="frequency 1/10000^0 = 1 for i = 0")
    expect_close(PE[:, 1], torch.cos(p), "PE[:, 1]", atol=1e-6)
    expect_close(PE[:, -2] ** 2 + PE[:, -1] ** 2, torch.ones(L), "PE[:, 2i]**2 + PE[:, 2i+1]**2", atol=1e-6,
                 hint="each pair of columns shares one angle")


def weights_for(d, bias=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    W = {}
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        W[f"{name}.weight"] = torch.randn(d, d, generator=g) / math.sqrt(d)
        if bias:
            W[f"{name}.bias"] = torch.randn(d, generator=g) * 0.1
    return W


@pytest.mark.gate("test_mhsa_matches_torch")
@pytest.mark.points(1)
def test_mhsa_shapes(student):
    """MultiHeadSelfAttention: output (B, L, d_model), last_weights (B, n_heads, L, L)"""
    B, L, d, H = 2, 5, 8, 2
    x = torch.randn(B, L, d, generator=torch.Generator().manual_seed(2))
    reply = student.probe("MultiHeadSelfAttention_forward", d, H, False, True, weights_for(d), x)
    expect_tensor(reply["out"], "the output", shape=(B, L, d))
    lw = expect_tensor(reply["last_weights"], "last_weights", shape=(B, H, L, L))
    expect_close(lw.sum(-1), torch.ones(B, H, L), "row sums of last_weights")
    names = sorted(name for name, _ in reply["params"])
    expected = sorted(f"{p}.{w}" for p in ("q_proj", "k_proj", "v_proj", "out_proj") for w in ("weight", "bias"))
    if names != expected:
        fail(f"MultiHeadSelfAttention's parameters should be {expected}, got {names}")


@pytest.mark.gate("test_mhsa_causal")
@pytest.mark.points(1)
def test_mhsa_causal_weights_and_future(student):
    """MultiHeadSelfAttention(causal=True): no weight above the diagonal; the future changes nothing before it"""
    B, L, d, H = 1, 4, 6, 3
    g = torch.Generator().manual_seed(3)
    x1 = torch.randn(B, L, d, generator=g)
    x2 = x1.clone()
    x2[:, -1] = torch.randn(d, generator=g)  # change only the last token
    reply = student.probe("MultiHeadSelfAttention_forward", d, H, True, True, weights_for(d, seed=4), x1)
    lw = expect_tensor(reply["last_weights"], "last_weights", shape=(B, H, L, L))
    above = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
    expect_close(lw[..., above], torch.zeros(B, H, int(above.sum())), "last_weights above the diagonal",
                 hint="with causal=True, and the mask with causal_mask(L)")
    out1, out2 = student.probe("MultiHeadSelfAttention_two_inputs", d, H, True, True, weights_for(d, seed=4), x1, x2)
    out1 = expect_tensor(out1, "the output", shape=(B, L, d))
    out2 = expect_tensor(out2, "the output", shape=(B, L, d))
    expect_close(out1[:, :-1], out2[:, :-1],
                 "the output before the last position when only the last token changes", atol=1e-6)


@pytest.mark.points(1)
@pytest.mark.gate("test_sdpa_masks", "test_sdpa_multi_head")
def test_sdpa_random_float64_like_torch(student):
    """scaled_dot_product_attention: random float64 (B, heads, Lq, d_k) inputs and a mask agree with PyTorch's"""
    g = torch.Generator().manual_seed(7)
    q = torch.randn(2, 3, 4, 5, generator=g, dtype=torch.float64)
    k = torch.randn(2, 3, 6, 5, generator=g, dtype=torch.float64)
    v = torch.randn(2, 3, 6, 2, generator=g, dtype=torch.float64)
    mask = torch.rand(4, 6, generator=g) < 0.7
    mask[:, 0] = True  # every query may attend to at least one key
    out, weights = pair(student.scaled_dot_product_attention(q, k, v, mask))
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out = expect_tensor(out, "out", shape=(2, 3, 4, 2))
    if out.dtype != torch.float64:
        fail(f"scaled_dot_product_attention: float64 inputs gave a {out.dtype} out; keep the dtype of q")
    expect_close(out, expected, "out vs torch.nn.functional.scaled_dot_product_attention (float64)",
                 rtol=1e-4, atol=1e-5)
    eye = torch.eye(6, dtype=torch.float64).expand(2, 3, 6, 6)  # attention over identity values = the weights
    expect_close(expect_tensor(weights, "weights", shape=(2, 3, 4, 6)),
                 F.scaled_dot_product_attention(q, k, eye, attn_mask=mask), "weights (float64)", rtol=1e-4, atol=1e-5)


@pytest.mark.points(1)
@pytest.mark.gate("test_sdpa_query_with_every_key_blocked")
def test_sdpa_query_with_every_key_blocked(student):
    """scaled_dot_product_attention: a query whose keys are all blocked gets zero weights and out (not nan)"""
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    k = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    v = torch.tensor([[2.0], [4.0]])
    mask = torch.tensor([[True, False], [False, False]])       # query 1 may attend to nothing
    out, weights = pair(student.scaled_dot_product_attention(q, k, v, mask))
    weights = expect_tensor(weights, "weights", shape=(2, 2), finite=False)
    out = expect_tensor(out, "out", shape=(2, 1), finite=False)
    if not (torch.isfinite(weights).all() and torch.isfinite(out).all()):
        fail("scaled_dot_product_attention gives nan for a query whose keys are all blocked; its weights and out "
             "should be 0, as F.scaled_dot_product_attention gives (set the blocked weights to 0 after the softmax)")
    expect_close(weights, torch.tensor([[1.0, 0.0], [0.0, 0.0]]), "weights with a fully blocked query")
    expect_close(out, torch.tensor([[2.0], [0.0]]), "out with a fully blocked query")


def torch_mha(weights, d, H, bias=True):
    """nn.MultiheadAttention with the same projections (float64): the independent oracle."""
    mha = torch.nn.MultiheadAttention(d, H, bias=bias, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([weights[f"{p}.weight"] for p in ("q_proj", "k_proj", "v_proj")]))
        mha.out_proj.weight.copy_(weights["out_proj.weight"])
        if bias:
            mha.in_proj_bias.copy_(torch.cat([weights[f"{p}.bias"] for p in ("q_proj", "k_proj", "v_proj")]))
            mha.out_proj.bias.copy_(weights["out_proj.bias"])
    return mha


@pytest.mark.points(1)
@pytest.mark.gate("test_mhsa_masks", "test_mhsa_causal")
def test_mhsa_padding_mask_with_causal_like_torch(student):
    """MultiHeadSelfAttention(causal=True) with a (B, 1, L, L) padding mask agrees with nn.MultiheadAttention in float64"""
    B, L, d, H = 2, 5, 6, 2
    W = weights_for(d, seed=8)                     # your module is float32; the oracle runs in float64
    x = torch.randn(B, L, d, generator=torch.Generator().manual_seed(9))
    keep = torch.tensor([[True] * 5, [True, True, True, False, False]])  # sequence 1 is padded after 3 tokens
    mask = keep[:, None, None, :].expand(B, 1, L, L)                       # True = may attend
    reply = student.probe("MultiHeadSelfAttention_forward", d, H, True, True, W, x, mask)
    out = expect_tensor(reply["out"], "the output", shape=(B, L, d))
    allowed = mask[:, 0] & torch.tril(torch.ones(L, L, dtype=torch.bool))
    attn_mask = (~allowed).repeat_interleave(H, dim=0)                     # torch's convention: True = blocked
    with torch.no_grad():
        W64, x64 = {name: value.double() for name, value in W.items()}, x.double()
        expected = torch_mha(W64, d, H)(x64, x64, x64, attn_mask=attn_mask, need_weights=False)[0]
    expect_close(out, expected, "the output with a padding mask and causal=True", rtol=1e-4, atol=1e-5,
                 hint="and the mask given to forward with causal_mask(L); keep both")
