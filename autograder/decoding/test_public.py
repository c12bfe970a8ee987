"""Public tests for decoding: run them with `pytest` beside your decoding.py.

The toy language models are plain data built by probes.py (a table of next-token logits per
prefix), so every value here can be worked out by hand. The hidden tests that decide your grade
use other models, eos tokens, length penalties and thousands of seeded draws.

The classic model below (V = 4, prompt [0]) is where greedy and beam search disagree:

    after [0]:      p(1) = 0.5    p(2) = 0.4    p(0) = 0.06   p(3) = 0.04
    after [0, 1]:   p(0) = 0.35   p(2) = 0.3    p(1) = 0.2    p(3) = 0.15
    after [0, 2]:   p(1) = 0.9    p(0) = 0.05   p(3) = 0.03   p(2) = 0.02

Greedy takes 1 (0.5) and then 0: p = 0.5 * 0.35 = 0.175. Beam search with beam_width 2 keeps
[0, 1] and [0, 2] after one step and finds [0, 2, 1]: p = 0.4 * 0.9 = 0.36.

The hidden tests compare token ids exactly, scores and perplexities to a relative error of 1e-5,
and filtered logits exactly (kept entries unchanged, the others -inf), with the types the
docstrings give (1-D LongTensors, Python floats, tensors of the logits' shape and dtype).

In the grade, a check that only looks at a property or one of these worked examples (marked
`gate`) earns its points only once the same function also gets the hidden values right: a
function that returns constants, or these answers hard-coded, earns nothing.
"""
import math

import numpy as np
import pytest
import torch

from dlgrade.grading.checks import expect_close, expect_scalar, expect_tensor, fail

pytestmark = pytest.mark.visibility("visible")


def logits(probs):
    return torch.tensor(np.log(probs), dtype=torch.float32)


CLASSIC = {
    "kind": "prefix",
    "rows": {"0": logits([0.06, 0.5, 0.4, 0.04]),
             "0,1": logits([0.35, 0.2, 0.3, 0.15]),
             "0,2": logits([0.05, 0.9, 0.02, 0.03])},
    "default": logits([0.1, 0.2, 0.3, 0.4]),
}


def tokens_of(value, name):
    t = expect_tensor(value, name, floating=False)
    if t.dim() != 1 or t.dtype != torch.int64:
        fail(f"{name} should be a 1-D LongTensor, got shape {tuple(t.shape)} and dtype {t.dtype}")
    return t.tolist()


@pytest.mark.gate("test_greedy_stops_after_eos", "test_greedy_runs_max_new_tokens")
@pytest.mark.points(1)
def test_greedy_classic(student):
    """greedy_decode: the classic model gives [0, 1, 0]"""
    out = tokens_of(student.probe("greedy_decode", CLASSIC, torch.tensor([0]), 2), "greedy_decode's result")
    if out[:1] != [0]:
        fail("greedy_decode's result should start with the prompt [0]")
    if out != [0, 1, 0]:
        fail(f"greedy_decode gave {out}; taking the most likely token each step gives [0, 1, 0]")


@pytest.mark.gate("test_beam_search_exhaustive", "test_beam_search_narrow")
@pytest.mark.points(2)
def test_beam_search_classic(student):
    """beam_search: beam_width 2 finds [0, 2, 1] (p = 0.36) before [0, 1, 0] (p = 0.175)"""
    result = student.probe("beam_search", CLASSIC, torch.tensor([0]), 2, 2)
    if not isinstance(result, list) or len(result) != 2:
        fail("beam_search should return a list of beam_width = 2 (tokens, score) pairs here")
    (best, s_best), (second, s_second) = result
    if tokens_of(best, "the best beam") != [0, 2, 1] or tokens_of(second, "the second beam") != [0, 1, 0]:
        fail("beam_search should return [0, 2, 1] then [0, 1, 0] (best first, prompt included)")
    expect_close(expect_scalar(s_best, "the best score"), (math.log(0.4) + math.log(0.9)) / 2,
                 "the score of [0, 2, 1]", rtol=1e-5, hint="(log 0.4 + log 0.9) / 2 with length_penalty = 1")
    expect_close(expect_scalar(s_second, "the second score"), (math.log(0.5) + math.log(0.35)) / 2,
                 "the score of [0, 1, 0]", rtol=1e-5)


@pytest.mark.gate("test_top_k_filter")
@pytest.mark.points(1)
def test_top_k_filter_small(student):
    """top_k_filter: k = 2 keeps 3.0 and 2.0; k = 10 > V keeps everything"""
    z = torch.tensor([1.0, 3.0, 2.0, 0.5])
    out = expect_tensor(student.top_k_filter(z.clone(), 2), "top_k_filter(z, 2)", shape=(4,), finite=False)
    if not (torch.isneginf(out[[0, 3]]).all() and out[1] == 3.0 and out[2] == 2.0):
        fail("top_k_filter([1, 3, 2, 0.5], 2) should be [-inf, 3, 2, -inf]")
    out = expect_tensor(student.top_k_filter(z.clone(), 10), "top_k_filter(z, 10)", shape=(4,), finite=False)
    expect_close(out, z, "top_k_filter with k larger than V (it keeps every entry)")


@pytest.mark.gate("test_top_p_filter")
@pytest.mark.points(1)
def test_top_p_filter_small(student):
    """top_p_filter: probabilities [0.1, 0.5, 0.15, 0.25]; p = 0.7 keeps 0.5 and 0.25, p = 0.3 keeps 0.5"""
    z = torch.log(torch.tensor([0.1, 0.5, 0.15, 0.25], dtype=torch.float64))
    out = expect_tensor(student.top_p_filter(z.clone(), 0.7), "top_p_filter(z, 0.7)", shape=(4,), finite=False)
    if torch.isneginf(out).tolist() != [True, False, True, False]:
        fail("top_p_filter with p = 0.7 should keep exactly the tokens of probability 0.5 and 0.25 "
             "(0.5 < 0.7, and adding 0.25 reaches 0.75 >= 0.7: the token that crosses p is kept)")
    expect_close(out[[1, 3]], z[[1, 3]], "the kept logits (unchanged)")
    out = expect_tensor(student.top_p_filter(z.clone(), 0.3), "top_p_filter(z, 0.3)", shape=(4,), finite=False)
    if torch.isneginf(out).tolist() != [True, False, True, True]:
        fail("top_p_filter with p = 0.3 should keep only the most likely token")


@pytest.mark.gate("test_sample_matches_the_seeded_draws")
@pytest.mark.points(1)
def test_sample_reproducible_and_in_top_k(student):
    """sample: the same seed gives the same tokens (torch's own generator moves in between); with k = 2 only 1 or 2 follow [0]"""
    runs = student.probe("sample", CLASSIC, torch.tensor([0]), 8, [5, 5])  # probes.py reseeds torch between calls
    seqs = [tokens_of(r, "sample's result") for r in runs]
    if any(len(s) != 9 for s in seqs):
        fail("sample(..., max_new_tokens=8) should return the prompt and 8 new tokens when eos_id is None")
    if seqs[0] != seqs[1]:
        fail("sample is not reproducible: pass the generator to torch.multinomial(..., generator=generator)")
    runs = student.probe("sample", CLASSIC, torch.tensor([0]), 1, [5, 5, 6, 7, 8, 9], k=2)
    seqs = [tokens_of(r, "sample's result") for r in runs]
    for s in seqs:
        if len(s) != 2 or s[0] != 0 or s[1] not in (1, 2):
            fail(f"sample(..., k=2) returned {s}; expected [0, t] with t in the top 2 tokens (1 or 2)")


@pytest.mark.gate("test_perplexity_values")
@pytest.mark.points(1)
def test_perplexity_uniform(student):
    """perplexity: a model that is uniform over V = 5 tokens has perplexity 5"""
    uniform = {"kind": "ngram", "table": torch.zeros(5)}
    value = expect_scalar(student.probe("perplexity", uniform, torch.tensor([1, 4, 0, 2, 2, 3])), "perplexity")
    expect_close(value, 5.0, "perplexity of a uniform model over 5 tokens", rtol=1e-5)


@pytest.mark.points(1)
@pytest.mark.gate("test_perplexity_values")
def test_perplexity_bigram_by_hand(student):
    """perplexity: a bigram with p(1|0) = 3/4, p(1|1) = p(0|1) = 1/2 gives (3/4 * 1/2 * 1/2) ** (-1/3) on [0, 1, 1, 0]"""
    # table[previous token] = next-token logits; row 2 is the start (the padding index V = 2)
    table = logits([[0.25, 0.75], [0.5, 0.5], [0.9, 0.1]])
    value = expect_scalar(student.probe("perplexity", {"kind": "ngram", "table": table}, torch.tensor([0, 1, 1, 0])),
                          "perplexity")
    expect_close(value, (0.75 * 0.5 * 0.5) ** (-1 / 3), "perplexity of [0, 1, 1, 0] under the bigram", rtol=1e-5,
                 hint="the first token is only context: average -log p over the T - 1 = 3 predicted tokens")


@pytest.mark.points(1)
@pytest.mark.gate("test_top_p_filter")
def test_top_p_filter_p_one_keeps_everything(student):
    """top_p_filter: p = 1 keeps every entry, in float32 too"""
    z = torch.linspace(-4.0, 4.0, 50, dtype=torch.float32).reshape(2, 25)
    z[:, 0] -= 30.0  # a token of probability ~1e-13: the float32 running sum reaches 1 before it
    out = expect_tensor(student.top_p_filter(z.clone(), 1.0), "top_p_filter(z, 1.0)", shape=(2, 25), finite=False)
    if out.dtype != torch.float32:
        fail(f"top_p_filter should keep the logits' dtype (float32), got {out.dtype}")
    if not torch.isfinite(out[~torch.isneginf(out)]).all():
        fail("top_p_filter(z, 1.0) contains nan or inf (a numerical overflow, or masking with -inf after the softmax?)")
    if torch.isneginf(out).any():  # the hidden test's message for this mistake, word for word
        fail("top_p_filter(z, 1.0) is wrong: p = 1 keeps every entry of float32 logits, even a very unlikely one: "
             "the running sum of float32 probabilities can reach 1 before it, so handle p >= 1 before the running sum")
    expect_close(out, z, "top_p_filter with p = 1 (it keeps every entry)",
                 hint="p = 1 keeps everything, even where the running sum of float32 probabilities rounds above 1")


@pytest.mark.points(1)
@pytest.mark.gate("test_beam_search_exhaustive", "test_beam_search_narrow")
def test_beam_search_no_new_tokens(student):
    """beam_search: nothing to generate (max_new_tokens = 0) gives the prompt alone, score 0.0"""
    result = student.probe("beam_search", CLASSIC, torch.tensor([0]), 2, 0)
    if not (isinstance(result, list) and len(result) == 1 and isinstance(result[0], tuple) and len(result[0]) == 2):
        fail("beam_search with max_new_tokens=0 should return [(prompt, 0.0)]")
    tokens, score = result[0]
    if tokens_of(tokens, "the beam") != [0] or not isinstance(score, float) or score != 0.0:
        fail("beam_search with max_new_tokens=0 should return [(prompt, 0.0)]: nothing generated, score 0.0")
