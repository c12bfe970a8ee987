"""Driver code run beside the student's decoding.py (never expected values).

A language model cannot cross the sandbox, so the graders send its definition as plain data
and the probes below build it here. Both toy models are causal: logits[:, t] depends only on
input_ids[:, :t+1]. Their logits are float32, like a real model's.

  {"kind": "ngram", "table": tensor of shape (V+1,) * (n-1) + (V,)}
      the next-token logits are table[last n-1 tokens]; positions before the start of the
      sequence read as the padding index V (n = 1 is a fixed distribution, n = 2 a bigram).
  {"kind": "prefix", "rows": {"3,1": [...V logits...], ...}, "default": [...V logits...]}
      the next-token logits after the whole prefix "3,1" (token ids joined by commas);
      prefixes that are not listed use "default".
"""
import torch


class NGramLM:
    """Next-token logits looked up from the last n-1 tokens."""

    def __init__(self, table):
        self.table = torch.as_tensor(table, dtype=torch.float32)
        self.V = self.table.shape[-1]
        self.context = self.table.dim() - 1
        self.flat = self.table.reshape(-1, self.V)  # row of the context (c_1..c_{n-1}) in base V+1
        self.seen = {}
        self.calls = 0

    def __call__(self, input_ids):
        rows = _check_input(input_ids, self.V)
        self.calls += 1
        B, T = len(rows), input_ids.shape[1]
        if not self.context:
            return self.table.expand(B, T, self.V).clone()
        # one row index per position, on Python ints, and each distinct input's logits looked up
        # once (a copy returned each time): the sampling tests call the model some ten thousand
        # times on a handful of tokens, where tensor indexing costs more than the student's step
        keys = []
        for row in rows:
            padded = [self.V] * self.context + row
            for t in range(T):
                key = 0
                for token in padded[t + 1:t + 1 + self.context]:
                    key = key * (self.V + 1) + token
                keys.append(key)
        keys = (B, T, *keys)
        if keys not in self.seen:
            self.seen[keys] = self.flat[torch.tensor(keys[2:], dtype=torch.long)].view(B, T, self.V)
        return self.seen[keys].clone()


class PrefixLM:
    """Next-token logits looked up from the whole prefix."""

    def __init__(self, rows, default):
        self.default = torch.as_tensor(default, dtype=torch.float32)
        self.V = self.default.shape[-1]
        self.rows = {key: torch.as_tensor(row, dtype=torch.float32) for key, row in rows.items()}
        self.calls = 0

    def __call__(self, input_ids):
        rows = _check_input(input_ids, self.V)
        self.calls += 1
        B, T = len(rows), input_ids.shape[1]
        out = torch.empty(B, T, self.V)
        for b, seq in enumerate(rows):
            for t in range(T):
                out[b, t] = self.rows.get(",".join(map(str, seq[:t + 1])), self.default)
        return out


def _check_input(input_ids, V):
    """The ids as a list of rows of Python ints, once they are known to be (B, T) token ids."""
    if not isinstance(input_ids, torch.Tensor):
        raise TypeError(f"the model takes a LongTensor of token ids, got {type(input_ids).__name__}")
    if input_ids.dim() != 2:
        raise ValueError(f"the model takes input_ids of shape (B, T), got shape {tuple(input_ids.shape)}; "
                         "add a batch dimension with ids.unsqueeze(0)")
    if input_ids.is_floating_point() or input_ids.dtype == torch.bool:
        raise TypeError(f"the model takes integer token ids (a LongTensor), got {input_ids.dtype}")
    rows = input_ids.long().tolist()
    flat = [t for row in rows for t in row]
    if flat and (min(flat) < 0 or max(flat) >= V):
        raise IndexError(f"token ids must lie in [0, {V}), got one equal to {min(flat) if min(flat) < 0 else max(flat)}")
    return rows


def build(spec):
    if spec["kind"] == "ngram":
        return NGramLM(spec["table"])
    if spec["kind"] == "prefix":
        return PrefixLM(spec["rows"], spec["default"])
    raise ValueError(f"unknown model kind {spec['kind']!r}")


# ---- probes: each builds the model, calls the student's function, returns plain data ------
# (named after the function they drive, so that feedback about a failing call names it)
def greedy_decode(m, spec, prompt, max_new_tokens, **kwargs):
    return m.greedy_decode(build(spec), prompt, max_new_tokens, **kwargs)


def beam_search(m, spec, prompt, beam_width, max_new_tokens, **kwargs):
    return m.beam_search(build(spec), prompt, beam_width, max_new_tokens, **kwargs)


def perplexity(m, spec, tokens):
    return m.perplexity(build(spec), tokens)


def sample(m, spec, prompt, max_new_tokens, seeds, first_tokens=False, first=0, **kwargs):
    """One sample per seed, each with its own torch.Generator().manual_seed(seed) (and torch's
    global generator reseeded differently before each call: for the i-th seed to the state of draw
    first + i, so that a run split over two calls moves it as one call would).

    With first_tokens=True, return only the first sampled token of each as a list of ints (a
    result that is not a 1-D tensor longer than the prompt is reported as -1)."""
    model = build(spec)
    n = prompt.shape[0]
    out = []
    for i, s in enumerate(seeds, start=first):
        # the global generator is moved between calls, so a sample that ignores `generator` is
        # not reproducible here (a fresh process would otherwise always start it from one seed).
        # Only the CPU generator: torch.manual_seed would also queue a lazy seed for every
        # uninitialised accelerator, formatting the call stack each time, most of a draw's cost.
        torch.default_generator.manual_seed(7919 * (i + 1))
        ids = m.sample(model, prompt.clone(), max_new_tokens, generator=torch.Generator().manual_seed(int(s)), **kwargs)
        if first_tokens:
            ok = isinstance(ids, torch.Tensor) and ids.dim() == 1 and ids.shape[0] > n
            ids = int(ids[n]) if ok else -1
        out.append(ids)
    return out
