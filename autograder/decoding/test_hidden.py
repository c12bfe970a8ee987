"""Hidden graders for decoding (never shipped to students).

Every expected value comes from the float64 oracle below, written from the contract and
independent of the reference solution. The toy language models are plain data (see probes.py),
so the exact next-token distributions are known here: logits are float32 tables, read back in
float64. Inputs are tie-free and chosen so that every ranking has a gap of at least 1e-4 and
every top-p threshold lies at least 1e-4 away from every cumulative sum (the contract's
promise): float32 and float64 implementations, loops and vectorised code all get the same answer.

Per function: its oracle and its known mistakes (each simulated in its own function) under
`# ----`, then its tests under `# ====`.
"""
import functools
import itertools
import math

import numpy as np
import pytest
import torch

from dlgrade.grading.checks import expect_close, expect_scalar, expect_tensor, fail
from dlgrade.grading.constants import constant
from dlgrade.grading.transport import StudentRaised

# Gradescope shows these results (name, score, message) once the due date has passed, and the
# total with them: a student learns after the deadline which part cost points (README, "What
# Gradescope shows"). Never "hidden": Gradescope would then never show them, nor the total.
pytestmark = pytest.mark.visibility("after_due_date")

GAP = 1e-4  # smallest ranking / cumulative-sum gap the inputs guarantee (checked below)


class GraderBug(RuntimeError):
    """The grader's own inputs broke a promise of the contract (never the student's fault)."""


# ---- toy models as plain data, and their exact distributions ---------------------------------
def ngram(table):
    """A causal n-gram model: table has shape (V+1,) * (n-1) + (V,); index V pads the start."""
    return {"kind": "ngram", "table": torch.from_numpy(np.asarray(table, dtype=np.float32))}


def random_ngram(seed, V, n, scale=1.5, bias=None):
    rng = np.random.default_rng(seed)
    table = rng.normal(scale=scale, size=(V + 1,) * (n - 1) + (V,))
    if bias is not None:
        table = table + np.asarray(bias)
    return ngram(table)


def prefix_model(rows, default):
    """A model keyed by the whole prefix: rows maps a tuple of ids to V logits."""
    return {"kind": "prefix", "rows": {",".join(map(str, k)): torch.tensor(v, dtype=torch.float32)
                                       for k, v in rows.items()},
            "default": torch.tensor(default, dtype=torch.float32)}


def vocab(spec):
    return int(spec["default"].shape[-1] if spec["kind"] == "prefix" else spec["table"].shape[-1])


def o_logits(spec, prefix):
    """float64 next-token logits after the prefix (a sequence of ints)."""
    prefix = [int(t) for t in prefix]
    if spec["kind"] == "prefix":
        row = spec["rows"].get(",".join(map(str, prefix)), spec["default"])
        return row.double().numpy()
    table = spec["table"].double().numpy()
    V, n_ctx = table.shape[-1], table.ndim - 1
    context = ([V] * n_ctx + prefix)[len(prefix):] if n_ctx else []
    return table[tuple(context)]


def o_log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    finite = np.isfinite(z)
    m = z[finite].max()
    out = np.full(z.shape, -np.inf)
    out[finite] = z[finite] - m - np.log(np.sum(np.exp(z[finite] - m)))
    return out


def o_softmax(z):
    return np.exp(o_log_softmax(z))


def o_logp(spec, prefix):
    return o_log_softmax(o_logits(spec, prefix))


def require_gap(values, what):
    """The inputs promise tie-free rankings: adjacent sorted values differ by at least GAP."""
    v = np.sort(np.asarray(values, dtype=np.float64)[np.isfinite(values)])
    if v.size > 1 and np.min(np.diff(v)) < GAP:
        raise GraderBug(f"grader inputs: {what} has a near-tie")


# ---- checks on what the student returns -----------------------------------------------------
def as_sequence(value, name, prompt=None):
    """A 1-D LongTensor (starting with the prompt) -> tuple of ints."""
    t = expect_tensor(value, name, floating=False)
    if t.dim() != 1:
        fail(f"{name} should be a 1-D LongTensor of token ids, got shape {tuple(t.shape)}")
    if t.dtype != torch.int64:
        fail(f"{name} should be a LongTensor (torch.int64), got {t.dtype}")
    seq = tuple(int(x) for x in t.tolist())
    if prompt is not None:
        prompt = tuple(int(x) for x in prompt)
        if seq[:len(prompt)] != prompt:
            fail(f"{name} does not start with the prompt: return the prompt followed by the new tokens")
    return seq


def seq_feedback(name, got, expected, mistakes=()):
    """Compare token sequences; name the known mistake a wrong one matches."""
    if got == expected:
        return
    for message, wrong in mistakes:
        if wrong is not None and got == wrong:
            fail(f"{name} is wrong: {message}")
    if len(got) > len(expected) and got[:len(expected)] == expected:
        fail(f"{name} is too long: it goes on where it should have stopped")
    if len(got) < len(expected) and expected[:len(got)] == got:
        fail(f"{name} stops too early")
    fail(f"{name} has the wrong tokens")


# ==== the toy models the tests use ===========================================================
EOS_MODEL = random_ngram(69, 6, 3, bias=[0, 0, 0, 0, 0, 0.5])       # eos = 5, greedy emits it at step 5
BIGRAM7 = random_ngram(3, 7, 2)                                       # no eos
BEAM_MODEL = random_ngram(6, 6, 3)                                    # eos = 5
TINY3 = random_ngram(10, 3, 3)                                        # eos = 2, exhaustive search
TINY4 = random_ngram(100, 4, 2)                                       # eos = 3, exhaustive search
SAMPLE_MODEL = random_ngram(7, 8, 3, scale=1.2, bias=[0] * 7 + [-0.5])  # eos = 7


def tensor(ids):
    return torch.tensor(ids, dtype=torch.long)


# ---- greedy ---------------------------------------------------------------------------------
def o_greedy(spec, prompt, n, eos_id=None):
    """The contract's greedy decoding: argmax of the last position, n times or through eos_id."""
    ids = [int(t) for t in prompt]
    for _ in range(n):
        z = o_logits(spec, ids)
        require_gap(z, "greedy logits")
        token = int(np.argmax(z))
        ids.append(token)
        if token == eos_id:
            break
    return tuple(ids)


# Known mistakes of greedy_decode, each simulated on its own (never by the oracle).
def greedy_no_stop(spec, prompt, n, eos_id):
    ids = [int(t) for t in prompt]
    for _ in range(n):
        ids.append(int(np.argmax(o_logits(spec, ids))))
    return tuple(ids)


def greedy_drop_eos(spec, prompt, n, eos_id):
    ids = [int(t) for t in prompt]
    for _ in range(n):
        token = int(np.argmax(o_logits(spec, ids)))
        if token == eos_id:
            break
        ids.append(token)
    return tuple(ids)


def greedy_no_prompt(spec, prompt, n, eos_id):
    return o_greedy(spec, prompt, n, eos_id)[len(prompt):]


def greedy_one_short(spec, prompt, n, eos_id):
    return o_greedy(spec, prompt, n - 1, eos_id)


def greedy_first_position(spec, prompt, n, eos_id):
    ids = [int(t) for t in prompt]
    for _ in range(n):
        token = int(np.argmax(o_logits(spec, ids[:1])))
        ids.append(token)
        if token == eos_id:
            break
    return tuple(ids)


GREEDY_MISTAKES = [
    (greedy_no_stop, "it does not stop after emitting eos_id (stop right after appending it)"),
    (greedy_drop_eos, "it stops before appending eos_id; the eos token is part of the output"),
    (greedy_no_prompt, "it returns only the new tokens; the result must start with the prompt"),
    (greedy_one_short, "it generates max_new_tokens - 1 tokens (an off-by-one in the loop)"),
    (greedy_first_position, "it takes the logits of the first position; the next token comes from logits[:, -1]"),
]


def greedy_mistakes(spec, prompt, n, eos_id):
    return [(message, mistake(spec, prompt, n, eos_id)) for mistake, message in GREEDY_MISTAKES]


# ==== greedy_decode ==========================================================================
@pytest.mark.points(3)
def test_greedy_stops_after_eos(student):
    """greedy_decode: argmax every step; stops right after emitting eos_id, which is kept"""
    prompt = tensor([2, 0])
    got = as_sequence(student.probe("greedy_decode", EOS_MODEL, prompt, 8, eos_id=5), "greedy_decode's result", prompt)
    seq_feedback("greedy_decode (eos_id=5)", got, o_greedy(EOS_MODEL, prompt, 8, 5),
                 greedy_mistakes(EOS_MODEL, prompt, 8, 5))


@pytest.mark.points(2)
def test_greedy_runs_max_new_tokens(student):
    """greedy_decode: without eos_id, exactly max_new_tokens tokens after a longer prompt"""
    prompt = tensor([4, 1, 6])
    got = as_sequence(student.probe("greedy_decode", BIGRAM7, prompt, 6), "greedy_decode's result", prompt)
    seq_feedback("greedy_decode (no eos_id)", got, o_greedy(BIGRAM7, prompt, 6),
                 greedy_mistakes(BIGRAM7, prompt, 6, None))


# ---- top-k / top-p --------------------------------------------------------------------------
def o_top_k_keep(z, k):
    """Boolean mask of the k largest entries of a 1-D float64 array."""
    keep = np.zeros(z.shape, dtype=bool)
    keep[np.argsort(-z, kind="stable")[:min(k, z.size)]] = True
    return keep


def o_top_p_keep(z, p, check=True):
    """Boolean mask of the smallest most-likely set whose probabilities sum to at least p."""
    probs = o_softmax(z)
    order = np.argsort(-probs, kind="stable")
    cum = np.cumsum(probs[order])
    if check and np.min(np.abs(cum[probs[order] > 0] - p)) < GAP:
        raise GraderBug("grader inputs: p is too close to a cumulative sum")
    m = int(np.argmax(cum >= p)) + 1 if np.any(cum >= p) else z.size
    keep = np.zeros(z.shape, dtype=bool)
    keep[order[:m]] = True
    return keep


def filtered(z, keep):
    return np.where(keep, z, -np.inf)


# ==== top_k_filter / top_p_filter ============================================================
def expect_filtered(value, z, keep, name, mistakes=()):
    """value must be z with every entry outside keep set to -inf (kept logits unchanged)."""
    t = expect_tensor(value, name, shape=z.shape, finite=False)
    a = t.detach().double().numpy()
    if np.isnan(a).any():
        fail(f"{name} contains nan")
    expected = filtered(z, keep)

    def same(x, e):
        return (np.array_equal(np.isneginf(x), np.isneginf(e))
                and np.allclose(x[np.isfinite(e)], e[np.isfinite(e)], rtol=1e-6, atol=1e-6))

    if same(a, expected):
        return
    for message, wrong in mistakes:
        if wrong is not None and np.shape(wrong) == a.shape and same(a, np.asarray(wrong, dtype=np.float64)):
            fail(f"{name} is wrong: {message}")
    if np.all(np.isfinite(a)) and np.allclose(a.sum(axis=-1), 1.0, atol=1e-4) and np.all(a >= 0):
        fail(f"{name} returns probabilities; return the logits with the removed entries set to -inf")
    if np.allclose(a[keep], z[keep], rtol=1e-6, atol=1e-6) and np.all(np.isfinite(a[~keep])):
        fail(f"{name} is wrong: the removed entries must be set to -inf (float('-inf')), not to a finite number")
    if np.all(np.isneginf(a)):
        fail(f"{name} removes every entry; at least one must be kept")
    kept_here = ~np.isneginf(a)
    if np.array_equal(kept_here, keep):
        fail(f"{name} keeps the right entries but changes their values: kept entries must be the original logits")
    fail(f"{name} keeps the wrong entries")


def row_logits(seed, shape, dtype=np.float64, scale=2.0):
    z = np.random.default_rng(seed).normal(scale=scale, size=shape).astype(dtype).astype(np.float64)
    for row in z.reshape(-1, z.shape[-1]):
        require_gap(row, "test logits")
    return z


def top_k_mistakes(z, k, axis_mistakes=False):
    def keep_rows(f):
        return np.stack([f(r) for r in z.reshape(-1, z.shape[-1])]).reshape(z.shape)
    wrong = [
        ("it keeps k - 1 entries (an off-by-one); keep the k largest",
         filtered(z, keep_rows(lambda r: o_top_k_keep(r, k - 1))) if k > 1 else np.full(z.shape, -np.inf)),
        ("it keeps k + 1 entries (an off-by-one); keep the k largest", filtered(z, keep_rows(lambda r: o_top_k_keep(r, k + 1)))),
        ("it keeps the k smallest logits; keep the k largest", filtered(z, keep_rows(lambda r: o_top_k_keep(-r, k)))),
        ("the removed entries are set to 0; set them to -inf", np.where(keep_rows(lambda r: o_top_k_keep(r, k)), z, 0.0)),
    ]
    if axis_mistakes and z.ndim == 2:
        wrong.append(("it ranks along the wrong axis (dim=0); filter each row over its last axis",
                      filtered(z, np.stack([o_top_k_keep(c, k) for c in z.T], axis=1))))
        flat = o_top_k_keep(z.ravel(), k).reshape(z.shape)
        wrong.append(("it keeps the k largest entries of the whole tensor; filter each row separately", filtered(z, flat)))
    return wrong


def rows_keep(z, f):
    return np.stack([f(r) for r in z.reshape(-1, z.shape[-1])]).reshape(z.shape)


@pytest.mark.points(3)
def test_top_k_filter(student, credit):
    """top_k_filter: the k largest logits kept, the rest -inf; k = 1, k = V and k > V"""
    z = row_logits(30, (9,))
    for k, weight in [(3, 0.4), (1, 0.2), (9, 0.2), (12, 0.2)]:
        if k >= z.size and not credit.parts[0][1]:  # keeping everything is what doing nothing does
            credit.parts.append((weight, False, f"k={k}: top_k_filter(logits, k=3) is wrong, so keeping every "
                                                "entry for k >= V earns nothing yet"))
            continue
        with credit.part(weight, f"k={k}"):
            try:
                out = student.top_k_filter(torch.from_numpy(z.copy()), k)
            except StudentRaised as e:
                if k > z.size:
                    fail(f"top_k_filter(logits, k={k}) with V = 9 raised {e.exc_type}: k >= V must keep every entry")
                raise
            expect_filtered(out, z, o_top_k_keep(z, k), f"top_k_filter(logits, k={k}) (V = 9)", top_k_mistakes(z, k))


@pytest.mark.points(2)
def test_top_k_filter_rows(student, credit):
    """top_k_filter: batched logits (4, 7) and (2, 3, 6), each row filtered on its own"""
    with credit.part(0.6, "(4, 7) float32"):
        z = row_logits(31, (4, 7), np.float32)
        out = student.top_k_filter(torch.from_numpy(z.astype(np.float32)), 3)
        expect_filtered(out, z, rows_keep(z, lambda r: o_top_k_keep(r, 3)), "top_k_filter on (4, 7) logits, k=3",
                        top_k_mistakes(z, 3, axis_mistakes=True))
    with credit.part(0.4, "(2, 3, 6)"):  # k above the leading sizes: a k clamped by the wrong axis shows
        z = row_logits(32, (2, 3, 6))
        out = student.top_k_filter(torch.from_numpy(z.copy()), 4)
        expect_filtered(out, z, rows_keep(z, lambda r: o_top_k_keep(r, 4)), "top_k_filter on (2, 3, 6) logits, k=4",
                        top_k_mistakes(z, 4) + [("k is clamped by the wrong dimension; only V = logits.shape[-1] "
                                                 "bounds it", filtered(z, rows_keep(z, lambda r: o_top_k_keep(r, 2))))])


def top_p_mistakes(z, p):
    def excl(r):  # stops before the token that crosses p
        keep = o_top_p_keep(r, p, check=False)
        probs = o_softmax(r)
        keep[np.argmin(np.where(keep, probs, np.inf))] = False
        return keep

    def ascending(r):
        probs = o_softmax(r)
        order = np.argsort(probs, kind="stable")
        before = np.cumsum(probs[order]) - probs[order]
        keep = np.zeros(r.shape, dtype=bool)
        keep[order[before < p]] = True
        return keep

    def unscattered(r):  # the sorted-order mask applied to the unsorted positions
        keep = np.zeros(r.shape, dtype=bool)
        keep[:int(o_top_p_keep(r, p, check=False).sum())] = True
        return keep

    return [
        ("the token whose probability makes the running sum reach p must be kept too", filtered(z, rows_keep(z, excl))),
        ("it keeps the least likely tokens: sort the probabilities in descending order", filtered(z, rows_keep(z, ascending))),
        ("the mask is built in sorted order but applied to the unsorted logits; scatter it back to the original positions",
         filtered(z, rows_keep(z, unscattered))),
    ]


def logits_from_probs(probs, seed, shift=0.3):
    probs = np.asarray(probs, dtype=np.float64)
    perm = np.random.default_rng(seed).permutation(probs.size)
    return (np.log(probs) + shift)[perm]


@pytest.mark.points(3)
def test_top_p_filter(student, credit):
    """top_p_filter: the smallest most-likely set reaching p, the crossing token kept; p near 0 and 1"""
    z = row_logits(33, (10,), scale=1.0)
    tail = logits_from_probs([0.3, 0.25, 0.2, 0.12, 0.08, 0.0438, 0.0058, 0.0004], 34)
    cases = [(z, 0.6, 0.4, "p=0.6"), (z, 1e-3, 0.2, "p=0.001"), (tail, 0.999, 0.2, "p=0.999"),
             (z, 0.9998, 0.2, "p=0.9998")]
    for logits, p, weight, label in cases:
        if p > 0.99 and not credit.parts[0][1]:  # keeping (nearly) everything is what doing nothing does
            credit.parts.append((weight, False, f"{label}: top_p_filter(logits, p=0.6) is wrong, so keeping "
                                                "(nearly) every entry earns nothing yet"))
            continue
        with credit.part(weight, label):
            keep = o_top_p_keep(logits, p)
            out = student.top_p_filter(torch.from_numpy(logits.copy()), p)
            expect_filtered(out, logits, keep, f"top_p_filter(logits, p={p})", top_p_mistakes(logits, p))


@pytest.mark.points(2)
def test_top_p_filter_rows(student, credit):
    """top_p_filter: batched (3, 8) float32 logits, and logits that already hold -inf"""
    with credit.part(0.6, "(3, 8) float32"):
        z = row_logits(35, (3, 8), np.float32, scale=1.0)
        out = student.top_p_filter(torch.from_numpy(z.astype(np.float32)), 0.75)
        expect_filtered(out, z, rows_keep(z, lambda r: o_top_p_keep(r, 0.75)), "top_p_filter on (3, 8) logits, p=0.75",
                        top_p_mistakes(z, 0.75))
    with credit.part(0.4, "after top_k_filter"):
        z = filtered(row_logits(36, (9,)), o_top_k_keep(row_logits(36, (9,)), 5))
        out = student.top_p_filter(torch.from_numpy(z.copy()), 0.8)
        expect_filtered(out, z, o_top_p_keep(z, 0.8) & np.isfinite(z),
                        "top_p_filter(p=0.8) on logits that already hold -inf entries", top_p_mistakes(z, 0.8))


# ---- sampling -------------------------------------------------------------------------------
def o_step_logits(z, k=None, p=None, temperature=1.0, check=True):
    """The contract's step: z / temperature, top-k, then top-p (float64). check: the inputs keep
    top-p's promise (off for the paths only a mistake reaches)."""
    z = np.asarray(z, dtype=np.float64) / temperature
    if k is not None:
        z = filtered(z, o_top_k_keep(z, k))
    if p is not None:
        z = filtered(z, o_top_p_keep(z, p, check=check))
    return z


def o_sample(spec, prompt, n, seed, k=None, p=None, temperature=1.0, eos_id=None):
    """The contract's sampler with torch.Generator().manual_seed(seed): one torch.multinomial
    draw per step on the exact (float64) renormalised distribution."""
    g = torch.Generator().manual_seed(seed)
    ids = [int(t) for t in prompt]
    for _ in range(n):
        probs = o_step_probs(o_logits(spec, ids).tobytes(), k, p, temperature)
        token = int(torch.multinomial(probs, 1, generator=g))
        ids.append(token)
        if token == eos_id:
            break
    return tuple(ids)


# Memoised because a toy model has few distinct next-token rows and the graders draw hundreds of
# steps from them: pure functions of their arguments (the float64 logits as bytes), so a cached
# value is the value. Never written to: torch.multinomial only reads them.
@functools.lru_cache(maxsize=4096)
def o_step_probs(z_bytes, k=None, p=None, temperature=1.0):
    """softmax of the contract's step logits, as the float64 tensor torch.multinomial draws from."""
    return torch.from_numpy(o_softmax(o_step_logits(np.frombuffer(z_bytes), k, p, temperature)))


# Known mistakes of one sampling step (the logits it draws from), each on its own.
def step_temp_multiplied(z, k=None, p=None, temperature=1.0):
    z = np.asarray(z, dtype=np.float64) * temperature
    if k is not None:
        z = filtered(z, o_top_k_keep(z, k))
    if p is not None:
        z = filtered(z, o_top_p_keep(z, p, check=False))
    return z


def step_unfiltered(z, k=None, p=None, temperature=1.0):
    return np.asarray(z, dtype=np.float64) / temperature


def step_p_before_k(z, k=None, p=None, temperature=1.0):
    z = np.asarray(z, dtype=np.float64) / temperature
    if p is not None:
        z = filtered(z, o_top_p_keep(z, p, check=False))
    if k is not None:
        z = filtered(z, o_top_k_keep(z, k))
    return z


STEP_MISTAKES = {"temp_multiplied": step_temp_multiplied, "unfiltered": step_unfiltered,
                 "p_before_k": step_p_before_k}


def mistaken_sample(mistake, spec, prompt, n, seed, k=None, p=None, temperature=1.0, eos_id=None):
    """What sample returns with one known mistake (a name of SAMPLE_MISTAKES): a wrong step, or a
    wrong stop at eos_id. An unknown name is the grader's bug and raises."""
    if mistake not in dict(SAMPLE_MISTAKES):
        raise GraderBug(f"unknown sample mistake {mistake!r}")
    step = STEP_MISTAKES.get(mistake)
    g = torch.Generator().manual_seed(seed)
    ids = [int(t) for t in prompt]
    for _ in range(n):
        probs = mistaken_step_probs(mistake if step else None, o_logits(spec, ids).tobytes(), k, p, temperature)
        token = int(torch.multinomial(probs, 1, generator=g))
        if mistake == "drop_eos" and token == eos_id:
            break
        ids.append(token)
        if token == eos_id and mistake != "no_stop":
            break
    return tuple(ids)


@functools.lru_cache(maxsize=4096)  # (memoised like o_step_probs, for the same reason)
def mistaken_step_probs(step, z_bytes, k=None, p=None, temperature=1.0):
    """The distribution one step draws from under a mistake of STEP_MISTAKES (None: the contract's
    step, without the top-p gap check, for the mistakes that only stop wrongly)."""
    z = np.frombuffer(z_bytes)
    z = STEP_MISTAKES[step](z, k, p, temperature) if step else o_step_logits(z, k, p, temperature, check=False)
    return torch.from_numpy(o_softmax(z))


SAMPLE_MISTAKES = [
    ("temp_multiplied", "the logits are multiplied by the temperature; divide them (z / temperature)"),
    ("unfiltered", "it samples from the unfiltered distribution; draw from softmax of the filtered logits"),
    ("p_before_k", "top-p is applied before top-k; the order is temperature, top_k_filter, then top_p_filter"),
    ("no_stop", "it does not stop after emitting eos_id"),
    ("drop_eos", "it stops before appending eos_id; the eos token is part of the output"),
]


def chi_square_pvalue(counts, probs):
    """Pearson's goodness-of-fit p-value, pooling the rarest categories until each bin expects
    at least 20 draws (so that the chi-square tail is accurate far out, where alpha lies)."""
    counts, probs = np.asarray(counts, dtype=np.float64), np.asarray(probs, dtype=np.float64)
    expected = counts.sum() * probs
    order = np.argsort(expected)
    obs_bins, exp_bins, acc_o, acc_e = [], [], 0.0, 0.0
    for i in order:
        acc_o += counts[i]
        acc_e += expected[i]
        if acc_e >= 20:
            obs_bins.append(acc_o)
            exp_bins.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0:
        if exp_bins:
            obs_bins[-1] += acc_o
            exp_bins[-1] += acc_e
        else:
            obs_bins.append(acc_o)
            exp_bins.append(acc_e)
    obs_bins, exp_bins = np.array(obs_bins), np.array(exp_bins)
    if len(exp_bins) < 2:
        return 1.0
    stat = float(np.sum((obs_bins - exp_bins) ** 2 / exp_bins))
    df = len(exp_bins) - 1  # the chi-square survival function: Q(df / 2, stat / 2)
    return float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                         torch.tensor(stat / 2, dtype=torch.float64)))


# ==== sample =================================================================================
def sample_runs(student, spec, prompt, n, seeds, **kw):
    runs = student.probe("sample", spec, prompt, n, list(seeds), **kw)
    if not isinstance(runs, list) or len(runs) != len(seeds):
        fail("sample did not return one sequence per call")
    return [as_sequence(r, "sample's result", prompt) for r in runs]


@pytest.mark.points(1)
@pytest.mark.gate("test_sample_matches_the_seeded_draws")  # a constant sequence is reproducible too
def test_sample_reproducible(student):
    """sample: the same generator seed gives the same tokens"""
    prompt = tensor([3, 1])
    a, b, c = sample_runs(student, SAMPLE_MODEL, prompt, 12, [11, 11, 12], k=6, temperature=1.4)
    wrong = next((len(s) for s in (a, b, c) if len(s) != 14), None)
    if wrong is not None:  # (a sample that draws nothing is trivially reproducible)
        fail(f"sample returned {wrong - 2} new tokens where max_new_tokens is 12 and eos_id is None: "
             "draw exactly max_new_tokens tokens")
    if a != b:
        fail("sample is not reproducible: draw every token with torch.multinomial(..., generator=generator)")


SAMPLE_CONFIGS = [
    ("k=4", dict(k=4)),
    ("p=0.8", dict(p=0.8)),
    ("k=5, p=0.7, temperature=0.8", dict(k=5, p=0.7, temperature=0.8)),
    ("temperature=1.7", dict(temperature=1.7)),
    ("p=0.9, temperature=0.6, eos_id=7", dict(p=0.9, temperature=0.6, eos_id=7)),
]


SEEDED_PROMPT, SEEDED_SEEDS, SEEDED_N = (3,), tuple(range(30)), 10


# The two below are constants of the grader: every input (SAMPLE_MODEL, the prompt, the seeds, the
# config named by label, the mistake named) is fixed here and no student's data reaches them, so
# they are computed once per process (lazily: a mistake's draws only when a sample is wrong) and
# shared by the submissions graded there, even by a job's grader that imports this file again for
# each (dlgrade.grading.constants). Tuples, so that no caller can change a cached value.
@constant
def seeded_draws(label):
    """The contract's samples for the seeds of test_sample_matches_the_seeded_draws."""
    kw = dict(SAMPLE_CONFIGS)[label]
    return tuple(o_sample(SAMPLE_MODEL, SEEDED_PROMPT, SEEDED_N, s, **kw) for s in SEEDED_SEEDS)


@constant
def seeded_mistaken_draws(mistake, label):
    """What sample returns for those seeds with one known mistake (a name of SAMPLE_MISTAKES)."""
    kw = dict(SAMPLE_CONFIGS)[label]
    return tuple(mistaken_sample(mistake, SAMPLE_MODEL, SEEDED_PROMPT, SEEDED_N, s, **kw) for s in SEEDED_SEEDS)


@pytest.mark.points(5)
def test_sample_matches_the_seeded_draws(student, credit):
    """sample: token for token the contract's torch.multinomial draws for a seeded generator"""
    prompt, seeds, n = tensor(SEEDED_PROMPT), list(SEEDED_SEEDS), SEEDED_N
    for label, kw in SAMPLE_CONFIGS:
        with credit.part(1 / len(SAMPLE_CONFIGS), label):
            got = tuple(sample_runs(student, SAMPLE_MODEL, prompt, n, seeds, **kw))
            expected = seeded_draws(label)
            if got == expected:
                continue
            for mistake, message in SAMPLE_MISTAKES:
                wrong = seeded_mistaken_draws(mistake, label)
                if wrong != expected and got == wrong:
                    fail(f"sample ({label}) is wrong: {message}")
            if any(len(g) > len(prompt) + n for g in got):
                fail(f"sample ({label}) returns more than max_new_tokens new tokens")
            fail(f"sample ({label}) does not make the contract's draws: each step divides the last logits by the "
                 "temperature, applies top_k_filter then top_p_filter, and calls "
                 "torch.multinomial(softmax(filtered), 1, generator=generator) once, over all V tokens "
                 "(if a filter fails its own tests, fix it first)")


SEED0 = 10_000  # the first-token tests below draw with the seeds SEED0, SEED0 + 1, ...
EXACT_DRAWS = 450  # why 450: below, and tests/test_oracles.py


def first_tokens(student, spec, prompt, n_draws, first=0, **kw):
    """sample's first token for each of the seeds SEED0 + first .. SEED0 + n_draws - 1."""
    seeds = list(range(SEED0 + first, SEED0 + n_draws))
    tokens = student.probe("sample", spec, prompt, 1, seeds, first_tokens=True, first=first, **kw)
    if not isinstance(tokens, list) or len(tokens) != len(seeds) or not all(type(t) is int for t in tokens):
        fail("sample did not return one sequence per call")
    if -1 in tokens:
        fail("sample(..., max_new_tokens=1) should return a 1-D tensor holding the prompt and one new token")
    return np.array(tokens)


@constant  # (a constant of the grader, like seeded_draws: computed once per process)
def contract_first_tokens(prompt, config):
    """The contract's first token after `prompt` (a tuple of ids) under SAMPLE_MODEL for each of the
    seeds SEED0 .. SEED0 + EXACT_DRAWS - 1; config: sample's keyword arguments as sorted pairs."""
    return tuple(o_sample(SAMPLE_MODEL, prompt, 1, SEED0 + i, **dict(config))[len(prompt)] for i in range(EXACT_DRAWS))


# The goodness-of-fit tests below exist for a correct sampler written in another style, whose
# draws need not be the contract's token for token (test_sample_matches_the_seeded_draws pays for
# those). A sampler that makes the contract's own draws for the first EXACT_DRAWS seeds is the
# contract's sampler, so only a sampler that does not is drawn from further, with the seeds and torch
# states that one run of n_draws would use (its tokens are those a single run would give). Why 450:
# a sampler that differs from the contract's on a fraction f of generator states makes all of them
# with probability (1 - f) ** 450, and the smallest change a chi-square over 1500 draws finds with
# probability 0.9999 (draws moved onto the rarest token, unfiltered) has f = 0.033, where that is
# below 1e-6. (tests/test_oracles.py recomputes this for every configuration, and checks that the
# reference makes the contract's draws.) The support test keeps its 600 draws: a single draw
# outside the support fails it, a power no shorter run keeps.
def seeded_first_tokens(student, prompt, n_draws, **kw):
    """(tokens, exact): sample's first tokens after `prompt` under SAMPLE_MODEL for the seeds
    SEED0 .., only the first EXACT_DRAWS of them when those are exactly the contract's draws
    (exact), else all n_draws of them."""
    tokens = first_tokens(student, SAMPLE_MODEL, prompt, EXACT_DRAWS, **kw)
    if tuple(tokens.tolist()) == contract_first_tokens(tuple(prompt.tolist()), tuple(sorted(kw.items()))):
        return tokens, True
    return np.concatenate([tokens, first_tokens(student, SAMPLE_MODEL, prompt, n_draws, first=EXACT_DRAWS, **kw)]), False


def distribution(spec, prompt, k=None, p=None, temperature=1.0):
    return o_softmax(o_step_logits(o_logits(spec, prompt), k, p, temperature))


def mistaken_distribution(mistake, spec, prompt, k=None, p=None, temperature=1.0):
    """The first draw's distribution under one of STEP_MISTAKES (an unknown name raises)."""
    return o_softmax(STEP_MISTAKES[mistake](o_logits(spec, prompt), k, p, temperature))


ALPHA = 1e-9  # a correct sampler fails a goodness-of-fit part with probability 1e-9


@pytest.mark.points(1)
@pytest.mark.parametrize("label, kw", [
    ("k=3", dict(k=3)),
    ("p=0.6", dict(p=0.6)),
    ("k=4 then p=0.68", dict(k=4, p=0.68)),
], ids=["k=3", "p=0.6", "k=4,p=0.68"])
def test_sample_stays_in_the_filtered_support(student, label, kw):
    """sample: never draws a token the filters removed (600 seeded draws)"""
    prompt = tensor([3])
    tokens = first_tokens(student, SAMPLE_MODEL, prompt, 600, **kw)
    support = distribution(SAMPLE_MODEL, prompt, **kw) > 0
    outside = ~support[tokens]
    if outside.any():
        if "k" in kw and "p" in kw and support_of(tokens, mistaken_distribution("p_before_k", SAMPLE_MODEL, prompt, **kw)):
            fail(f"sample ({label}) draws tokens outside the filtered support: top-p is applied before top-k; "
                 "the order is temperature, top_k_filter, then top_p_filter")
        fail(f"sample ({label}) draws tokens that the filters removed ({int(outside.sum())} of {tokens.size} draws): "
             "draw from softmax of the filtered logits")


def support_of(tokens, probs):
    return bool(np.all(probs[tokens] > 0))


@pytest.mark.points(2)
@pytest.mark.parametrize("label, kw", [
    ("no filter", dict()),
    ("k=4, temperature=0.5", dict(k=4, temperature=0.5)),
    ("p=0.8, temperature=2.0", dict(p=0.8, temperature=2.0)),
    ("k=6, p=0.9, temperature=1.3", dict(k=6, p=0.9, temperature=1.3)),
], ids=["plain", "k=4,T=0.5", "p=0.8,T=2", "k=6,p=0.9,T=1.3"])
def test_sample_distribution(student, label, kw):
    """sample: the contract's draws, or 1500 seeded draws that follow the renormalised distribution (chi-square, alpha = 1e-9)"""
    prompt = tensor([3])
    tokens, exact = seeded_first_tokens(student, prompt, 1500, **kw)
    if exact:
        return
    probs = distribution(SAMPLE_MODEL, prompt, **kw)
    V = probs.size
    if tokens.min() < 0 or tokens.max() >= V:
        fail(f"sample ({label}) returns token ids outside [0, V)")
    counts = np.bincount(tokens, minlength=V)
    if np.any(counts[probs == 0] > 0):
        fail(f"sample ({label}) draws tokens that the filters removed: draw from softmax of the filtered logits")
    if chi_square_pvalue(counts, probs) >= ALPHA:
        return
    for mistake, message in SAMPLE_MISTAKES[:3]:
        wrong = mistaken_distribution(mistake, SAMPLE_MODEL, prompt, **kw)
        if not np.allclose(wrong, probs) and np.all(wrong[counts > 0] > 0) and chi_square_pvalue(counts, wrong) >= 1e-6:
            fail(f"sample ({label}) draws from the wrong distribution: {message}")
    fail(f"sample ({label}): the frequencies of the sampled tokens do not follow softmax(filtered logits) "
         f"(chi-square goodness-of-fit p-value below {ALPHA:g} over 1500 seeded draws)")


@pytest.mark.points(2)
def test_sample_temperature(student, credit):
    """sample: temperature 0.01 always picks the argmax, temperature 20 flattens toward uniform"""
    prompt = tensor([3])
    z = o_logits(SAMPLE_MODEL, prompt)
    with credit.part(0.5, "temperature=0.01"):
        tokens = first_tokens(student, SAMPLE_MODEL, prompt, 200, temperature=0.01)
        if not np.all(tokens == np.argmax(z)):
            fail("sample with temperature=0.01 should (almost surely) always draw the most likely token: "
                 "a temperature below 1 sharpens the distribution (divide the logits by it, z / temperature)")
    with credit.part(0.5, "temperature=20"):
        tokens, exact = seeded_first_tokens(student, prompt, 1500, temperature=20.0)
        counts = np.bincount(tokens, minlength=z.size)
        if not exact and chi_square_pvalue(counts, distribution(SAMPLE_MODEL, prompt, temperature=20.0)) < ALPHA:
            fail("sample with temperature=20: the draws do not follow softmax(z / 20), which is close to uniform; "
                 "a temperature above 1 flattens the distribution (divide the logits by it)")


@pytest.mark.points(1)
def test_sample_stops_after_eos(student):
    """sample: stops right after emitting eos_id (and never continues past it)"""
    prompt = tensor([3])
    runs = sample_runs(student, SAMPLE_MODEL, prompt, 10, list(range(40, 70)), p=0.9, temperature=0.6, eos_id=7)
    for seq in runs:
        new = seq[1:]
        if 7 in new[:-1]:
            fail("sample keeps going after emitting eos_id: stop right after appending it")
        if len(new) > 10:
            fail("sample returns more than max_new_tokens new tokens")
        if len(new) < 10 and (not new or new[-1] != 7):
            fail("sample stops early without emitting eos_id (or drops the eos token: it must be kept)")
    if not any(s[-1] == 7 for s in runs):
        fail("sample never emits eos_id here, although it is likely: check the temperature and the filters")


# ==== a large vocabulary =======================================================================
def peaked_path(V, path, seed, lift=12.0):
    """A prefix model over V tokens whose likeliest continuation of path[:i] is path[i], by far.
    Each row is a shuffled even grid, a little wider row by row, so that neither the logits of a
    row nor the summed log-probabilities of the best beams come near a tie."""
    rng = np.random.default_rng(seed)
    rows = {}
    for i in range(1, len(path)):
        row = rng.permutation(np.linspace(-3.0, 3.0, V) * (1 + 0.07 * i))
        row[path[i]] = 3.0 + lift
        rows[tuple(path[:i])] = row
    return prefix_model(rows, rng.permutation(np.linspace(-2.5, 2.5, V)))


BIG_EOS = 260  # above 256, where CPython's small-int cache ends, and below a token the path passes (280)
BIG_VOCAB = peaked_path(300, [3, 280, 17, BIG_EOS, 290, 5], seed=71)
BIG_MISTAKES = [
    ("it stops at a token id above eos_id; stop only when the token equals eos_id", (3, 280)),
    ("it never stops at eos_id = 260: compare token ids with ==, not `is` (ids above 256 are distinct int objects)",
     (3, 280, 17, BIG_EOS, 290, 5)),
]


@pytest.mark.points(2)
def test_decoders_with_a_large_vocabulary(student, credit):
    """greedy_decode, sample and beam_search with V = 300: eos_id = 260 stops them, token 280 does not"""
    prompt, n = tensor([3]), 5
    with credit.part(0.4, "greedy_decode"):
        got = as_sequence(student.probe("greedy_decode", BIG_VOCAB, prompt, n, eos_id=BIG_EOS),
                          "greedy_decode's result", prompt)
        seq_feedback("greedy_decode (V = 300, eos_id=260)", got, o_greedy(BIG_VOCAB, prompt, n, BIG_EOS),
                     BIG_MISTAKES + greedy_mistakes(BIG_VOCAB, prompt, n, BIG_EOS))
    with credit.part(0.3, "sample"):
        seeds = [5, 6, 7]
        got = sample_runs(student, BIG_VOCAB, prompt, n, seeds, eos_id=BIG_EOS)
        for seq, seed in zip(got, seeds):
            seq_feedback("sample (V = 300, eos_id=260)", seq, o_sample(BIG_VOCAB, prompt, n, seed, eos_id=BIG_EOS),
                         BIG_MISTAKES)
    with credit.part(0.3, "beam_search"):
        # 4 steps: from the fifth on, two live beams read the same default row and their sums tie
        check_beams(beam_run(student, BIG_VOCAB, prompt, 2, 4, eos_id=BIG_EOS), None, BIG_VOCAB, prompt, 2, 4,
                    eos_id=BIG_EOS, name="beam_search (V = 300, eos_id=260)")


# ---- beam search ----------------------------------------------------------------------------
def o_beam(spec, prompt, W, n, eos_id=None, length_penalty=1.0, check=True):
    """The contract's beam search in float64. Returns a list of (tokens, score), best first.

    Each step extends every live beam by every token and keeps the W best candidates by summed
    log-probability; a kept candidate ending in eos_id is finished (out of the live set). After n
    steps the live beams count as finished too; each finished beam scores
    sum / (generated tokens) ** length_penalty, and the W best are returned."""
    P, V = len(prompt), vocab(spec)
    ends = lambda toks: eos_id is not None and toks[-1] == eos_id
    live, finished = [(tuple(int(t) for t in prompt), 0.0)], []
    for _ in range(n):
        cands = []
        for toks, s in live:
            lp = o_logp(spec, toks)
            cands += [(toks + (v,), s + lp[v]) for v in range(V)]
        cands.sort(key=lambda c: -c[1])
        if check:
            require_gap([c[1] for c in cands[:W + 1]], "beam candidates")
        finished += [c for c in cands[:W] if ends(c[0])]
        live = [c for c in cands[:W] if not ends(c[0])]
        if not live:
            break
    scored = sorted(((toks, s / (len(toks) - P) ** length_penalty) for toks, s in finished + live),
                    key=lambda b: -b[1])
    if check:
        require_gap([b[1] for b in scored[:W + 1]], "final beam scores")
    return scored[:W]


def mistaken_beam(mistake, spec, prompt, W, n, eos_id=None, length_penalty=1.0):
    """What beam_search returns with one known mistake (a name of BEAM_MISTAKES), simulated apart
    from the oracle so that the oracle stays the contract alone. An unknown name raises."""
    if mistake not in dict(BEAM_MISTAKES):
        raise GraderBug(f"unknown beam_search mistake {mistake!r}")
    P, V = len(prompt), vocab(spec)
    ends = lambda toks: eos_id is not None and toks[-1] == eos_id and mistake != "ignore_eos"
    live, finished = [(tuple(int(t) for t in prompt), 0.0)], []
    for _ in range(n - 1 if mistake == "one_short" else n):
        cands = []
        for toks, s in live:
            lp = o_logp(spec, toks)
            cands += [(toks + (v,), s + lp[v]) for v in range(V)]
        if mistake == "finished_compete":  # finished beams stay in the pool, never extended
            cands, finished = cands + finished, []
        cands.sort(key=lambda c: -c[1])
        if mistake == "refill":  # the live set is topped up to W with non-finished candidates
            finished += [c for c in cands[:W] if ends(c[0])]
            live = [c for c in cands if not ends(c[0])][:W]
        else:
            live = []
            for c in cands[:W]:
                if ends(c[0]):
                    finished.append(c)
                    if mistake == "finished_also_live":
                        live.append(c)
                else:
                    live.append(c)
        if not live:
            break
    pool = finished if mistake == "drop_live" else finished + [c for c in live if not ends(c[0])]
    divisor = {"penalty_prompt": lambda toks: len(toks) ** length_penalty,
               "no_penalty": lambda toks: 1.0,
               "mean_always": lambda toks: len(toks) - P}.get(mistake, lambda toks: (len(toks) - P) ** length_penalty)
    scored = sorted(((toks, s / divisor(toks), s) for toks, s in pool),
                    key=(lambda b: -b[2]) if mistake == "rank_by_sum" else (lambda b: -b[1]))
    out = [(toks, sc) for toks, sc, _ in scored]
    if mistake == "ascending":
        return out[:W][::-1]
    return out if mistake == "untruncated" else out[:W]


BEAM_MISTAKES = [
    ("ignore_eos", "a beam that ends in eos_id must be finished: it leaves the live set and is not extended"),
    ("finished_also_live", "a finished beam (ending in eos_id) must leave the live set; it is still extended"),
    ("finished_compete", "finished beams must leave the candidate pool; here they keep competing for the beam_width places"),
    ("refill", "keep only the beam_width best candidates of each step (finished ones count); the live set is not refilled"),
    ("drop_live", "the beams still live after max_new_tokens steps must count as finished"),
    ("penalty_prompt", "the length penalty counts the prompt; divide by (number of generated tokens) ** length_penalty"),
    ("no_penalty", "the score is not divided by (number of generated tokens) ** length_penalty"),
    ("mean_always", "the score ignores length_penalty (it always divides by the number of generated tokens)"),
    ("rank_by_sum", "the finished beams are ranked by summed log-probability; rank them by the length-penalised score"),
    ("ascending", "the beams are sorted worst first; return them best first (highest score first)"),
    ("untruncated", "it returns every finished beam; return only the beam_width best"),
    ("one_short", "it runs max_new_tokens - 1 steps (an off-by-one in the loop)"),
]


def read_beams(value, prompt, name="beam_search"):
    """The student's result -> list of (tokens tuple, score float), checking types."""
    if not isinstance(value, (list, tuple)):
        fail(f"{name} should return a list of (tokens, score) pairs, got a {type(value).__name__}")
    out = []
    for i, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail(f"{name} should return a list of (tokens, score) pairs; item {i} is not a pair")
        toks = as_sequence(pair[0], f"{name}: the tokens of beam {i}", prompt)
        out.append((toks, expect_scalar(pair[1], f"{name}: the score of beam {i}")))
    return out


def beams_equal(got, expected, rtol=1e-5, atol=1e-5):
    return (len(got) == len(expected) and all(g[0] == e[0] for g, e in zip(got, expected))
            and all(math.isclose(g[1], e[1], rel_tol=rtol, abs_tol=atol) for g, e in zip(got, expected)))


def expect_beams(got, spec, prompt, W, n, eos_id=None, length_penalty=1.0, name="beam_search", expected=None):
    oracle = o_beam(spec, prompt, W, n, eos_id, length_penalty)
    if expected is not None and not beams_equal(expected, oracle, 1e-6, 1e-6):
        raise GraderBug("grader oracles disagree")
    expected = oracle
    if beams_equal(got, expected):
        return
    for mistake, message in BEAM_MISTAKES:
        wrong = mistaken_beam(mistake, spec, prompt, W, n, eos_id, length_penalty)
        if wrong != expected and beams_equal(got, wrong):
            fail(f"{name} is wrong: {message}")
    if [g[0] for g in got] == [e[0] for e in expected]:
        fail(f"{name} finds the right beams in the right order but their scores are wrong: "
             "score = (sum of the log-probs of the generated tokens) / (number generated) ** length_penalty")
    if sorted(g[0] for g in got) == sorted(e[0] for e in expected):
        fail(f"{name} finds the right beams but returns them in the wrong order: best (highest score) first")
    if len(got) != len(expected):
        fail(f"{name} returns the wrong number of beams (it should be min(beam_width, number of finished beams))")
    fail(f"{name} returns the wrong beams")


# ==== beam_search ============================================================================
def beam_run(student, spec, prompt, W, n, **kw):
    return read_beams(student.probe("beam_search", spec, prompt, W, n, **kw), prompt)


def check_beams(got, expected, spec, prompt, W, n, eos_id=None, length_penalty=1.0, name="beam_search"):
    """got must equal expected (from an independent oracle, or None) and the contract's oracle."""
    expect_beams(got, spec, prompt, W, n, eos_id, length_penalty, name, expected)


# The classic trap, by hand (V = 4, eos = 3, prompt [1]); p after each prefix:
#   [1]:       0: 0.45   2: 0.35   3: 0.15   1: 0.05
#   [1, 0]:    0: 0.3    1: 0.28   2: 0.25   3: 0.17
#   [1, 2]:    3: 0.8    0: 0.1    1: 0.06   2: 0.04
#   [1, 0, 0]: 3: 0.5    0: 0.2    1: 0.18   2: 0.12
# Greedy: 0, 0, then eos: [1, 0, 0, 3], p = 0.45 * 0.3 * 0.5 = 0.0675.
# Beam width 2: step 1 keeps [1, 0] and [1, 2]; step 2 keeps [1, 2, 3] (0.28, finished) and
# [1, 0, 0] (0.135); step 3 keeps [1, 0, 0, 3] (0.0675, finished) and [1, 0, 0, 0] (0.027).
# With length_penalty 1, [1, 2, 3] wins (log 0.28 / 2 > log 0.0675 / 3); with 2 the longer
# [1, 0, 0, 3] wins (log 0.0675 / 9 > log 0.28 / 4).
def _row(probs):
    return np.log(np.array(probs))


TRAP = prefix_model({(1,): _row([0.45, 0.05, 0.35, 0.15]), (1, 0): _row([0.3, 0.28, 0.25, 0.17]),
                     (1, 2): _row([0.1, 0.06, 0.04, 0.8]), (1, 0, 0): _row([0.2, 0.18, 0.12, 0.5])},
                    _row([0.4, 0.3, 0.2, 0.1]))
L = math.log
TRAP_BEAMS = {
    1.0: [((1, 2, 3), (L(0.35) + L(0.8)) / 2), ((1, 0, 0, 3), (L(0.45) + L(0.3) + L(0.5)) / 3)],
    2.0: [((1, 0, 0, 3), (L(0.45) + L(0.3) + L(0.5)) / 9), ((1, 2, 3), (L(0.35) + L(0.8)) / 4)],
    0.0: [((1, 2, 3), L(0.35) + L(0.8)), ((1, 0, 0, 3), L(0.45) + L(0.3) + L(0.5))],
}


@pytest.mark.points(2)
def test_greedy_and_beam_search_disagree(student, credit):
    """greedy_decode and beam_search on the classic trap: beam search escapes it; length_penalty decides"""
    prompt = tensor([1])
    with credit.part(0.25, "greedy_decode"):
        got = as_sequence(student.probe("greedy_decode", TRAP, prompt, 3, eos_id=3), "greedy_decode's result", prompt)
        seq_feedback("greedy_decode on the trap model", got, (1, 0, 0, 3), greedy_mistakes(TRAP, prompt, 3, 3))
    for lp in (1.0, 2.0, 0.0):
        with credit.part(0.25, f"length_penalty={lp}"):
            got = beam_run(student, TRAP, prompt, 2, 3, eos_id=3, length_penalty=lp)
            check_beams(got, TRAP_BEAMS[lp], TRAP, [1], 2, 3, 3, lp, f"beam_search (trap model, length_penalty={lp})")


EXHAUSTIVE = [
    ("V=3, 12 of 15 sequences, length_penalty=0.6", TINY3, [0, 1], 12, 3, 2, 0.6),
    ("V=3, all 15 sequences, length_penalty=1", TINY3, [0, 1], 16, 3, 2, 1.0),
    ("V=4, 10 of 13 sequences, length_penalty=1.5", TINY4, [1, 2, 0], 10, 2, 3, 1.5),
]


@pytest.mark.points(3)
@pytest.mark.parametrize("case", EXHAUSTIVE, ids=["V3-12of15-lp0.6", "V3-all-lp1", "V4-10of13-lp1.5"])
def test_beam_search_exhaustive(student, case):
    """beam_search: with beam_width covering every candidate, the best of all continuations"""
    label, spec, prompt, W, n, eos, lp = case
    got = beam_run(student, spec, tensor(prompt), W, n, eos_id=eos, length_penalty=lp)
    expected = o_exhaustive(spec, prompt, n, eos, lp)[:W]
    check_beams(got, expected, spec, prompt, W, n, eos, lp, f"beam_search ({label})")


@pytest.mark.points(3)
@pytest.mark.parametrize("lp", [1.0, 0.5, 2.0], ids=["lp=1", "lp=0.5", "lp=2"])
def test_beam_search_narrow(student, lp):
    """beam_search: beam_width 3 over 6 tokens, 5 steps, eos produced along the way"""
    prompt = [1, 3]
    got = beam_run(student, BEAM_MODEL, tensor(prompt), 3, 5, eos_id=5, length_penalty=lp)
    check_beams(got, None, BEAM_MODEL, prompt, 3, 5, 5, lp, f"beam_search (beam_width=3, length_penalty={lp})")


@pytest.mark.points(1)
def test_beam_search_without_eos(student):
    """beam_search: without eos_id, the beams live at the end are returned, best first"""
    prompt = [2, 5]
    got = beam_run(student, BIGRAM7, tensor(prompt), 2, 4)
    check_beams(got, None, BIGRAM7, prompt, 2, 4, name="beam_search (no eos_id)")


@pytest.mark.points(1)
def test_beam_search_width_one_is_greedy(student):
    """beam_search: beam_width 1 finds the greedy sequence"""
    prompt = [2, 0]
    got = beam_run(student, EOS_MODEL, tensor(prompt), 1, 8, eos_id=5)
    if len(got) != 1:
        fail("beam_search with beam_width=1 should return exactly one beam")
    if got[0][0] != o_greedy(EOS_MODEL, prompt, 8, 5):
        fail("beam_search with beam_width=1 should find the greedy sequence (stopping after eos_id)")
    check_beams(got, None, EOS_MODEL, prompt, 1, 8, 5, 1.0, "beam_search (beam_width=1)")


@pytest.mark.points(1)
def test_beam_search_one_step(student):
    """beam_search: max_new_tokens=1 ranks single tokens by log-probability"""
    prompt = [4]
    got = beam_run(student, BEAM_MODEL, tensor(prompt), 4, 1, eos_id=5, length_penalty=2.0)
    check_beams(got, None, BEAM_MODEL, prompt, 4, 1, 5, 2.0, "beam_search (max_new_tokens=1)")


@pytest.mark.points(1)
@pytest.mark.gate("test_beam_search_exhaustive", "test_beam_search_narrow")  # types alone are no search
def test_beam_search_return_types(student):
    """beam_search: a list of (1-D LongTensor, Python float) pairs"""
    raw = student.probe("beam_search", TINY3, tensor([0, 1]), 4, 3, eos_id=2)
    read_beams(raw, [0, 1])
    for i, (_toks, score) in enumerate(raw):
        if not isinstance(score, float):
            what = "a 0-d tensor" if isinstance(score, torch.Tensor) else f"a {type(score).__name__}"
            fail(f"beam_search: the score of beam {i} should be a Python float, got {what} (use float(...) or .item())")


# ---- perplexity -----------------------------------------------------------------------------
def o_nll(spec, tokens):
    return np.array([-o_logp(spec, tokens[:t])[tokens[t]] for t in range(1, len(tokens))])


def o_exhaustive(spec, prompt, n, eos_id, length_penalty):
    """Every continuation of at most n tokens that stops at its first eos_id, scored and sorted
    (what beam search returns when beam_width keeps every candidate)."""
    P, V, out = len(prompt), vocab(spec), []
    for m in range(1, n + 1):
        for tail in itertools.product(range(V), repeat=m):
            if eos_id in tail[:-1] or (m < n and tail[-1] != eos_id):
                continue
            toks = tuple(int(t) for t in prompt) + tail
            total = sum(o_logp(spec, toks[:P + i])[toks[P + i]] for i in range(m))
            out.append((toks, total / m ** length_penalty))
    out.sort(key=lambda b: -b[1])
    require_gap([b[1] for b in out], "exhaustive scores")
    return out


# ==== perplexity =============================================================================
@pytest.mark.points(1)
def test_perplexity_uniform(student):
    """perplexity: a uniform model over V = 7 tokens has perplexity 7"""
    tokens = tensor([3, 0, 6, 6, 2, 5, 1, 4, 0, 2, 3])
    value = expect_scalar(student.probe("perplexity", ngram(np.zeros(7)), tokens), "perplexity")
    expect_close(value, 7.0, "perplexity of a uniform model over 7 tokens", rtol=1e-5,
                 mistakes={"it returns the mean negative log-likelihood (log 7); perplexity is its exp": math.log(7),
                           "it uses 2 ** (mean NLL in nats); use exp (or 2 ** the NLL in bits)": 2 ** math.log(7)})


def perplexity_mistakes(spec, tokens):
    nll = o_nll(spec, tokens)
    T = len(tokens)
    self_scored = np.array([-o_logp(spec, tokens[:t + 1])[tokens[t]] for t in range(T)])
    return {
        "it divides the summed NLL by T; only the T - 1 tokens after the first are predicted":
            math.exp(nll.sum() / T),
        "position t's logits predict tokens[t + 1] (shift by one); here they score tokens[t] itself":
            math.exp(self_scored.mean()),
        "it scores tokens[t] with logits[:, t] for t >= 1; position t predicts tokens[t + 1]":
            math.exp(self_scored[1:].mean()),
        "it returns the mean negative log-likelihood; perplexity is its exp": nll.mean(),
        "it uses 2 ** (mean NLL in nats); use exp, or 2 ** the NLL measured in bits": 2 ** nll.mean(),
        "it takes exp of the NLL in bits (log2); use natural logs with exp": math.exp(nll.mean() / math.log(2)),
        "it takes exp of the summed NLL; perplexity uses the mean": math.exp(nll.sum()),
    }


@pytest.mark.points(3)
def test_perplexity_values(student, credit):
    """perplexity: exp of the mean NLL of tokens[1:], on a trigram model"""
    spec = random_ngram(50, 6, 3)
    for tokens, weight in [([2, 5, 0, 0, 3, 1, 4, 4, 2, 1, 5, 3], 0.7), ([4, 1], 0.3)]:
        with credit.part(weight, f"T={len(tokens)}"):
            value = expect_scalar(student.probe("perplexity", spec, tensor(tokens)), "perplexity")
            expect_close(value, math.exp(o_nll(spec, tokens).mean()), f"perplexity of {len(tokens)} tokens",
                         rtol=1e-5, mistakes=perplexity_mistakes(spec, tokens) if len(tokens) > 2 else None)


# ==== edge cases the docstrings settle =======================================================
@pytest.mark.points(1)
@pytest.mark.gate("test_top_p_filter")  # keeping everything is what doing nothing does
def test_top_p_filter_p_one_float32(student):
    """top_p_filter: p = 1 keeps every entry of float32 logits (however the running sum rounds)"""
    rng = np.random.default_rng(37)
    z = np.stack([rng.permutation(np.linspace(-6.0, 6.0, 64)) for _ in range(4)])
    # a very unlikely token per row (probability ~1e-13): in float32 the running sum reaches 1 before it
    z[np.arange(4), rng.integers(64, size=4)] -= 30.0
    z = z.astype(np.float32).astype(np.float64)
    out = student.top_p_filter(torch.from_numpy(z.astype(np.float32)), 1.0)
    expect_filtered(out, z, np.ones(z.shape, dtype=bool), "top_p_filter(float32 logits, p=1.0)", [
        ("p = 1 keeps every entry of float32 logits, even a very unlikely one: the running sum of float32 "
         "probabilities can reach 1 before it, so handle p >= 1 before the running sum", top_p_float32_running_sum(z))])


def top_p_float32_running_sum(z, p=1.0):
    """The mistake: p = 1 through the general path in float32, which drops the tokens after the
    running sum rounds to 1."""
    probs = torch.softmax(torch.from_numpy(z.astype(np.float32)), dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    drop_sorted = torch.cumsum(sorted_probs, dim=-1) - sorted_probs >= p
    return filtered(z, ~torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted).numpy())


@pytest.mark.points(1)
@pytest.mark.gate("test_beam_search_exhaustive", "test_beam_search_narrow")  # the prompt alone is no search
def test_beam_search_no_new_tokens(student):
    """beam_search: max_new_tokens = 0 returns [(prompt, 0.0)]"""
    raw = student.probe("beam_search", BEAM_MODEL, tensor([1, 4]), 3, 0, eos_id=5)
    if not (isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], tuple) and len(raw[0]) == 2):
        fail("beam_search with max_new_tokens=0 should return [(prompt, 0.0)]: one beam, nothing generated")
    tokens, score = raw[0]
    if list(as_sequence(tokens, "beam_search's beam", [1, 4])) != [1, 4] or not isinstance(score, float) or score != 0.0:
        fail("beam_search with max_new_tokens=0 should return [(prompt, 0.0)]: the prompt with score 0.0 "
             "(no generated token, so no log-probability and no length to divide by)")
