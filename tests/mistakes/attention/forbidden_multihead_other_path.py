"""nn.MultiheadAttention imported from torch.nn.modules (another path to the same class) does the work.

expect: not allowed
"""
from torch.nn.modules import MultiheadAttention as Attn


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
        mha = Attn(self.d_model, self.n_heads, bias=self.bias, batch_first=True)
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight]))
            mha.out_proj.weight.copy_(self.out_proj.weight)
            if self.bias:
                mha.in_proj_bias.copy_(torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]))
                mha.out_proj.bias.copy_(self.out_proj.bias)
        allowed = mask
        if self.causal:
            allowed = causal_mask(L) if allowed is None else allowed & causal_mask(L)
        if allowed is not None and allowed.dim() == 4:
            allowed = allowed.expand(B, self.n_heads, L, L).reshape(B * self.n_heads, L, L)
        out, self.last_weights = mha(x, x, x, attn_mask=None if allowed is None else ~allowed,
                                     average_attn_weights=False)
        return out
