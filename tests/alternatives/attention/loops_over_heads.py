"""A softmax written by hand (stable: minus the row maximum), a large finite negative instead of -inf, heads in a Python loop, positions from math.sin/math.cos.

scaled_dot_product_attention fills blocked scores with torch.finfo(dtype).min, which gives them
a weight of exactly 0 like -inf whenever a row has an allowed key (rows without one are never
tested); MultiHeadSelfAttention slices each head's columns, attends head by head and
concatenates the outputs with torch.cat, and keeps a detached copy of the weights in last_weights
(the output is computed from the attached ones); the positional encoding fills a float64 table entry by
entry.
"""
def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(q.size(-1)))
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), torch.finfo(scores.dtype).min)
    scores = scores - scores.amax(dim=-1, keepdim=True)
    e = scores.exp()
    weights = e / e.sum(dim=-1, keepdim=True)
    if mask is not None:  # a query with every key blocked: zero weights, not a uniform row
        weights = weights * mask
    return torch.matmul(weights, v), weights


def causal_mask(L):
    m = torch.zeros(L, L, dtype=torch.bool)
    for i in range(L):
        m[i, :i + 1] = True
    return m


def sinusoidal_positional_encoding(L, d):
    PE = torch.zeros(L, d, dtype=torch.float64)
    for p in range(L):
        for i in range(d // 2):
            angle = p / 10000 ** (2 * i / d)
            PE[p, 2 * i] = math.sin(angle)
            PE[p, 2 * i + 1] = math.cos(angle)
    return PE.float()


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, causal=False, bias=True):
        super().__init__()
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.causal = causal
        self.last_weights = None
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x, mask=None):
        L = x.shape[1]
        Q, K, V = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        allowed = mask
        if self.causal:
            allowed = causal_mask(L) if mask is None else mask & causal_mask(L)
        outs, weights = [], []
        for h in range(self.n_heads):
            cols = slice(h * self.d_head, (h + 1) * self.d_head)
            m = allowed
            if m is not None and m.dim() == 4:
                m = m[:, 0]                     # (B, 1, L, L) -> (B, L, L) for 3-D heads
            o, w = scaled_dot_product_attention(Q[..., cols], K[..., cols], V[..., cols], m)
            outs.append(o)
            weights.append(w)
        self.last_weights = torch.stack(weights, dim=1).detach()  # kept for inspection only
        return self.out_proj(torch.cat(outs, dim=-1))
