"""F.multi_head_attention_forward, reached through getattr, runs the heads on the module's own weights.

expect: not allowed
"""
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, causal=False, bias=True):
        super().__init__()
        self.d_model, self.n_heads, self.causal, self.bias = d_model, n_heads, causal, bias
        self.last_weights = None
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x, mask=None):
        B, L, _ = x.shape
        mha_forward = getattr(torch.nn.functional, "multi_head_" + "attention_forward")
        allowed = mask
        if self.causal:
            allowed = causal_mask(L) if allowed is None else allowed & causal_mask(L)
        if allowed is not None and allowed.dim() == 4:
            allowed = allowed.expand(B, self.n_heads, L, L).reshape(B * self.n_heads, L, L)
        xt = x.transpose(0, 1)
        in_bias = torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]) if self.bias else None
        out, self.last_weights = mha_forward(
            xt, xt, xt, self.d_model, self.n_heads,
            torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight]), in_bias,
            None, None, False, 0.0, self.out_proj.weight, self.out_proj.bias, training=False,
            attn_mask=None if allowed is None else ~allowed, average_attn_weights=False)
        return out.transpose(0, 1)
