"""Attention is written inline and divides the scores by sqrt(d_model) instead of sqrt(d_head).

expect: sqrt(d_head)
"""
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
        B, L, _ = x.shape
        H, d_head = self.n_heads, self.d_head
        q = self.q_proj(x).view(B, L, H, d_head).transpose(1, 2)
        k = self.k_proj(x).view(B, L, H, d_head).transpose(1, 2)
        v = self.v_proj(x).view(B, L, H, d_head).transpose(1, 2)
        allowed = mask
        if self.causal:
            c = causal_mask(L)
            allowed = c if allowed is None else allowed & c
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_model)
        if allowed is not None:
            scores = scores.masked_fill(~allowed, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        self.last_weights = weights
        out = (weights @ v).transpose(1, 2).reshape(B, L, self.d_model)
        return self.out_proj(out)
