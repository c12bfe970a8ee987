"""The graders' oracles, tested like code and without a sandbox (fast).

Every oracle in autograder/*/test_hidden.py computes the contract alone: no oracle takes a
mistake variant; each known mistake is simulated by its own function, and an unknown mistake
name raises instead of silently computing the right answer. Where an independent library
computes the same thing (torch), the oracle is cross-checked against it here.
"""
from __future__ import annotations

import ast
import importlib.util
import itertools
import sys

import numpy as np
import pytest
import torch

from dlgrade import assignments
from dlgrade.release import runtime

# the hidden modules' @pytest.mark.points is registered by the grading plugin, not loaded here
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")

HIDDEN = {aid: assignments.get(aid).grader_dir / "test_hidden.py" for aid in assignments.all_ids()}


def hidden_module(aid: str):
    """autograder/<aid>/test_hidden.py imported as a plain module (its tests are not run)."""
    name = f"_oracles_{aid}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HIDDEN[aid])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.parametrize("aid", sorted(HIDDEN))
def test_no_oracle_takes_a_mistake_variant(aid):
    tree = ast.parse(HIDDEN[aid].read_text())
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
            names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
            if "variant" in names or (node.name.startswith("o_") and names & {"mistake", "mistakes"}):
                offenders.append(f"{node.name} (line {node.lineno})")
    assert not offenders, f"autograder/{aid}/test_hidden.py: an oracle takes a mistake variant: {offenders}"


# ---- unknown mistake names fail loudly ---------------------------------------------------------
UNKNOWN = [
    ("decoding", lambda m: m.mistaken_beam("no_such_mistake", m.BEAM_MODEL, [1], 2, 3, 5)),
    ("decoding", lambda m: m.mistaken_sample("no_such_mistake", m.SAMPLE_MODEL, [3], 3, 0)),
    ("decoding", lambda m: m.mistaken_distribution("no_such_mistake", m.SAMPLE_MODEL, [3])),
    ("attention", lambda m: m.simulate(m.SDPA_SIMULATIONS, "no_such_mistake")),
    ("attention", lambda m: m.simulate(m.MHSA_SIMULATIONS, "no_such_mistake")),
    ("backprop", lambda m: m.mistaken_forward("no_such_mistake", {}, None, "relu", "sigmoid")),
    ("backprop", lambda m: m.mistaken_backward("no_such_mistake", {}, {}, np.zeros((1, 1)), "relu", 0.0)),
    ("backprop", lambda m: m.mistaken_train("no_such_mistake", None, None, [1, 1])),
    ("transfer_learning", lambda m: m.mistaken_fine_tune("no_such_mistake", 4)),
]


@pytest.mark.parametrize("aid, call", UNKNOWN, ids=[f"{a}-{i}" for i, (a, _) in enumerate(UNKNOWN)])
def test_an_unknown_mistake_name_raises(aid, call):
    with pytest.raises((KeyError, RuntimeError), match="no_such_mistake"):
        call(hidden_module(aid))


@pytest.mark.parametrize("aid, table, messages", [
    ("attention", "SDPA_SIMULATIONS", "SDPA_MISTAKES"), ("attention", "PE_SIMULATIONS", "PE_MISTAKES"),
    ("attention", "MHSA_SIMULATIONS", "MHSA_MISTAKES"),
    ("transfer_learning", "TRAJECTORY_SIMULATIONS", "TRAJECTORY_MISTAKES"),
])
def test_every_mistake_message_has_its_simulation(aid, table, messages):
    m = hidden_module(aid)
    assert getattr(m, table).keys() == getattr(m, messages).keys()


# ---- every simulated mistake differs from the oracle (else its hint could never show) -------------
def test_attention_mistakes_differ_from_the_oracle():
    m = hidden_module("attention")
    q, k, v = m.randn(1, 2, 4, 3), m.randn(2, 2, 5, 3), m.randn(3, 2, 5, 6)
    mask = torch.tensor([[True, False, True, True, False]] * 4)
    out, w = m.o_sdpa(q, k, v, mask)
    for name, simulate in m.SDPA_SIMULATIONS.items():
        wrong_out, wrong_w = simulate(q, k, v, mask)
        assert not torch.allclose(wrong_w, w, equal_nan=True), name
    for name, simulate in m.PE_SIMULATIONS.items():
        assert not np.allclose(simulate(9, 6), m.o_pe(9, 6)), name
    x, W = m.mhsa_problem(5)
    mask = torch.rand(5, 5, generator=torch.Generator().manual_seed(0)) > 0.3
    mask[:, 0] = True
    ok = m.o_mhsa(x, W, 3, mask, causal=True)[0]
    for name, simulate in m.MHSA_SIMULATIONS.items():
        assert not torch.allclose(simulate(x, W, 3, mask, True)[0], ok), name


def test_decoding_mistakes_differ_from_the_oracle():
    m = hidden_module("decoding")
    expected = m.o_beam(m.BEAM_MODEL, [1, 4], 3, 6, 5, 1.0)
    same = [name for name, _ in m.BEAM_MISTAKES
            if m.mistaken_beam(name, m.BEAM_MODEL, [1, 4], 3, 6, 5, 1.0) == expected]
    # the inputs of one grader case do not show every mistake; the graders use several cases
    assert len(same) <= 4, same
    cases = [(m.EOS_MODEL, [2, 0], 8, 5), (m.BIGRAM7, [4, 1, 6], 6, None)]  # the graders' two greedy cases
    for mistake, message in m.GREEDY_MISTAKES:
        assert any(mistake(*case) != m.o_greedy(*case) for case in cases), message
    for name in m.STEP_MISTAKES:
        kw = dict(k=4, p=0.68, temperature=1.3)
        assert not np.allclose(m.mistaken_distribution(name, m.SAMPLE_MODEL, [3], **kw),
                               m.distribution(m.SAMPLE_MODEL, [3], **kw)), name


def decoding_probes():
    """autograder/decoding/probes.py imported as a plain module."""
    return runtime.module_from_file(HIDDEN["decoding"].with_name("probes.py"), "_decoding_probes")


def test_decoding_ngram_model_reads_its_table_by_the_last_tokens():
    """probes.NGramLM (built for speed: rows found on Python ints, each distinct input looked up
    once) returns, at every position, the table row of the n-1 tokens before it, padded with V;
    a fresh tensor each call, so a student who writes into the logits changes nothing later."""
    probes = decoding_probes()
    rng = np.random.default_rng(5)
    for n, V in [(1, 4), (2, 5), (3, 6), (4, 3)]:
        table = torch.from_numpy(rng.normal(size=(V + 1,) * (n - 1) + (V,)).astype(np.float32))
        model = probes.NGramLM(table)
        for B, T in [(1, 1), (1, 7), (3, 4), (2, 0), (0, 3)]:
            ids = torch.from_numpy(rng.integers(0, V, size=(B, T)))
            for _ in range(2):
                out = model(ids)
                assert out.shape == (B, T, V) and out.dtype == torch.float32
                for b in range(B):
                    padded = [V] * (n - 1) + ids[b].tolist()
                    for t in range(T):
                        assert torch.equal(out[b, t], table[tuple(padded[t + 1:t + n])])
                out.fill_(1e9)
    with pytest.raises(IndexError, match=r"token ids must lie in \[0, 3\), got one equal to -1"):
        probes.NGramLM(torch.zeros(4, 3))(torch.tensor([[2, -1, 5]]))
    with pytest.raises(IndexError, match="got one equal to 3"):
        probes.NGramLM(torch.zeros(4, 3))(torch.tensor([[2, 3]]))


def test_decoding_memoised_oracle_values_are_constants_of_the_grader():
    """seeded_draws and seeded_mistaken_draws are cached for the whole process (shared by every
    submission graded in it). That is safe because they take only names of the grader's own
    constants: any other argument (a student's value) raises instead of being cached; and what
    they return is an immutable tuple equal to a fresh computation."""
    m = hidden_module("decoding")
    prompt, n, seeds = m.SEEDED_PROMPT, m.SEEDED_N, m.SEEDED_SEEDS
    for label, kw in m.SAMPLE_CONFIGS:
        fresh = tuple(m.o_sample(m.SAMPLE_MODEL, prompt, n, s, **kw) for s in seeds)
        assert m.seeded_draws(label) == fresh and m.seeded_draws(label) is m.seeded_draws(label)
        assert all(type(seq) is tuple for seq in m.seeded_draws(label))
        for mistake, _ in m.SAMPLE_MISTAKES:
            wrong = m.seeded_mistaken_draws(mistake, label)
            assert type(wrong) is tuple and wrong == tuple(m.mistaken_sample(mistake, m.SAMPLE_MODEL, prompt, n, s, **kw)
                                                           for s in seeds)
    with pytest.raises(KeyError):
        m.seeded_draws("k=3")  # not a config of the test
    with pytest.raises(m.GraderBug):
        m.seeded_mistaken_draws("no_such_mistake", m.SAMPLE_CONFIGS[0][0])
    with pytest.raises(KeyError):
        m.seeded_mistaken_draws(m.SAMPLE_MISTAKES[0][0], "p=0.5")


def goodness_of_fit_configs(m) -> list[dict]:
    """The configurations whose draws test_sample_distribution and test_sample_temperature's
    chi-square part (1500 draws each) test."""
    [param] = [mark for mark in m.test_sample_distribution.pytestmark if mark.name == "parametrize"]
    return [kw for _, kw in param.args[1]] + [dict(temperature=20.0)]


def chi_square_power(p: np.ndarray, f: float, n: int, alpha: float) -> float:
    """The chance that a chi-square test at alpha over n draws finds the worst move of a fraction
    f of p's mass from one token to another (noncentrality n * sum (q - p)^2 / p)."""
    from scipy import stats

    assert np.all(p * n >= 20), p  # one bin per token: the grader pools none
    lam = max(n * f * f * (1 / p[i] + 1 / p[j]) for i in range(p.size) for j in range(p.size) if i != j and p[i] >= f)
    return stats.ncx2.sf(stats.chi2.isf(alpha, p.size - 1), p.size - 1, lam)


def test_decoding_450_contract_draws_stand_for_1500_drawn_for_a_chi_square():
    """A sampler that makes the contract's draws for the first EXACT_DRAWS seeds skips the
    chi-square over 1500 draws. For every configuration: the smallest change of the distribution
    that chi-square finds with probability 0.9999 (a fraction f of the draws moved from one token
    to another, the worst pair) leaves all EXACT_DRAWS draws the contract's with probability
    (1 - f) ** EXACT_DRAWS, which must stay below 1e-6. Power from scipy's noncentral chi-square,
    one bin per kept token (each expects at least 20 of the 1500 draws, so the grader pools none)."""
    m = hidden_module("decoding")
    for kw in goodness_of_fit_configs(m):
        p = m.distribution(m.SAMPLE_MODEL, [3], **kw)
        f = next(f for f in np.arange(0.001, 0.5, 0.0005) if chi_square_power(p[p > 0], f, 1500, m.ALPHA) >= 0.9999)
        assert (1 - f) ** m.EXACT_DRAWS < 1e-6, (kw, f)


def test_decoding_the_reference_makes_the_contract_draws_that_skip_the_chi_square():
    """The reference's sample, run by the probe as the grader runs a student's, makes the
    contract's first tokens for the first EXACT_DRAWS seeds in every goodness-of-fit configuration
    (float32 logits, torch.multinomial on float32 probabilities: the same draws as the float64
    oracle's): a correct sampler pays for EXACT_DRAWS calls there, not 1500."""
    m = hidden_module("decoding")
    probes = decoding_probes()
    reference = runtime.module_from_file(assignments.REPO / "solutions" / "decoding" / "decoding.py", "_decoding_reference")
    seeds = [m.SEED0 + i for i in range(m.EXACT_DRAWS)]
    for kw in goodness_of_fit_configs(m):
        tokens = probes.sample(reference, m.SAMPLE_MODEL, torch.tensor([3]), 1, seeds, first_tokens=True, **kw)
        assert tuple(tokens) == m.contract_first_tokens((3,), tuple(sorted(kw.items()))), kw


# ---- cross-checks against an independent library -----------------------------------------------
def test_attention_oracles_agree_with_torch():
    m = hidden_module("attention")
    q, k, v = m.randn(11, 3, 4, 5), m.randn(12, 3, 6, 5), m.randn(13, 3, 6, 2)
    mask = torch.rand(4, 6, generator=torch.Generator().manual_seed(1)) > 0.4
    mask[:, 0] = True
    for msk in (None, mask):
        out, w = m.o_sdpa(q, k, v, msk)
        t_out, t_w = m.torch_sdpa(q, k, v, msk)
        assert torch.allclose(out, t_out, rtol=1e-10, atol=1e-12) and torch.allclose(w, t_w, rtol=1e-10, atol=1e-12)
    for bias, causal in itertools.product((True, False), (False, True)):
        x, W = m.mhsa_problem(21, bias=bias)
        out, w = m.o_mhsa(x, W, 3, None, causal)
        t_out, t_w = m.torch_mha(x, W, 3, bias, m.allowed_of(x.shape[1], None, causal))
        assert torch.allclose(out, t_out, rtol=1e-9, atol=1e-12) and torch.allclose(w, t_w, rtol=1e-9, atol=1e-12)


def test_positional_encoding_oracle_is_the_formula():
    m = hidden_module("attention")
    L, d = 7, 6
    by_hand = [[(np.sin if c % 2 == 0 else np.cos)(p / 10000 ** ((c - c % 2) / d)) for c in range(d)] for p in range(L)]
    assert np.allclose(m.o_pe(L, d), np.array(by_hand), rtol=0, atol=1e-15)


def test_decoding_oracles_agree_with_torch_and_exhaustive_search():
    m = hidden_module("decoding")
    z = np.array([0.3, -1.2, 2.5, 0.7, -0.1, 1.9])
    assert np.allclose(m.o_log_softmax(z), torch.log_softmax(torch.tensor(z), -1).numpy(), rtol=0, atol=1e-14)
    keep = m.o_top_k_keep(z, 3)
    assert set(np.flatnonzero(keep)) == set(torch.topk(torch.tensor(z), 3).indices.tolist())
    probs = torch.softmax(torch.tensor(z), -1)
    order = torch.argsort(probs, descending=True)
    first = int(torch.nonzero(torch.cumsum(probs[order], 0) >= 0.8)[0])
    assert set(np.flatnonzero(m.o_top_p_keep(z, 0.8))) == set(order[:first + 1].tolist())
    # a beam as wide as every candidate is exhaustive search; the oracle must find its best beams
    n, W = 3, m.vocab(m.TINY3) ** 3
    wide = m.o_beam(m.TINY3, [0], W, n, 2, 1.0, check=False)
    exhaustive = m.o_exhaustive(m.TINY3, [0], n, 2, 1.0)
    assert [t for t, _ in wide] == [t for t, _ in exhaustive[:W]]
    assert np.allclose([s for _, s in wide], [s for _, s in exhaustive[:W]])
    # beam width 1 without eos is greedy decoding
    assert m.o_beam(m.BIGRAM7, [2], 1, 4, check=False)[0][0] == m.o_greedy(m.BIGRAM7, [2], 4)


def test_backprop_forward_agrees_with_torch():
    m = hidden_module("backprop")
    for seed, sizes, mm, hidden, output in m.FORWARD_CASES.values():
        params, X, _ = m.net_problem(seed, sizes, mm, output)
        A = torch.tensor(X)
        act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[hidden]
        L = len(sizes) - 1
        for l in range(1, L + 1):
            Z = torch.tensor(params[f"W{l}"]) @ A + torch.tensor(params[f"b{l}"])
            A = act(Z) if l < L else (torch.sigmoid(Z) if output == "sigmoid" else torch.softmax(Z, 0))
        assert np.allclose(m.o_forward(params, X, hidden, output)[0], A.numpy(), rtol=1e-12, atol=1e-14)


def test_gradient_descent_gradient_agrees_with_torch_autograd():
    m = hidden_module("gradient_descent")
    X, y, theta = m.problem(5)
    t = torch.tensor(theta, requires_grad=True)
    p = torch.sigmoid(torch.tensor(X) @ t)
    yt = torch.tensor(y)
    lam = 0.1
    loss = -(yt * torch.log(p) + (1 - yt) * torch.log(1 - p)).mean() + lam * (t ** 2).sum()
    loss.backward()
    assert np.isclose(m.o_loss(theta, X, y, lam), float(loss.detach()), rtol=1e-12)
    assert np.allclose(m.o_grad(theta, X, y, lam), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_forward_agrees_with_torch():
    m = hidden_module("conv")
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    for stride, padding in [(1, 0), (2, 1), (3, 2)]:
        expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride, padding)
        assert np.allclose(m.o_conv(x, w, b, stride, padding), expected.numpy(), rtol=1e-12, atol=1e-12)


def test_fine_tuning_oracle_agrees_with_torch_optim_sgd():
    """The oracle writes SGD with momentum out by hand; torch.optim.SGD with the contract's two
    parameter groups must train the same weights on the same batches."""
    m = hidden_module("transfer_learning")
    n_frozen, kwargs = 5, (("epochs", 1), ("head_lr", 0.05), ("backbone_lr", 0.01))
    expected = m.o_fine_tune(n_frozen, kwargs)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the oracle and the student's worker run
    try:
        got = _sgd_run(m, n_frozen)
    finally:
        torch.set_num_threads(threads)
    assert got.keys() == expected.keys()
    for k in got:
        assert torch.allclose(got[k].double(), expected[k].double(), rtol=1e-4, atol=1e-5), k


def _sgd_run(m, n_frozen):
    X, y, _, _ = m.target_digits()
    model = m.o_model(m.CNN, m.target_state(), torch.float32).train()
    children = list(model.children())
    for i, child in enumerate(children):
        child.requires_grad_(i >= n_frozen)
        child.train(i >= n_frozen)
    backbone = [p for c in children[:-1] for p in c.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD([{"params": list(children[-1].parameters()), "lr": 0.05},
                                 {"params": backbone, "lr": 0.01}], momentum=0.9)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=m.BATCH, shuffle=True,
                                         generator=torch.Generator().manual_seed(m.LOADER_SEED))
    for xb, yb in loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    return model.state_dict()
