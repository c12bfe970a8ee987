"""The heads are split correctly but merged with out.reshape(B, L, d_model) without transposing back.

expect: without moving the head axis back
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
        out, weights = scaled_dot_product_attention(q, k, v, allowed)
        self.last_weights = weights
        return self.out_proj(out.reshape(B, L, self.d_model))
