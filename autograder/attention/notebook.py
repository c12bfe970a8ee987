"""The student notebook of attention: the sinusoidal positional encoding as an image, attention
weights as heatmaps (no mask, causal mask, blocked keys), what the 1/sqrt(d_k) scaling does, and
the weights of every head of a causal MultiHeadSelfAttention (tools/dlgrade/release/notebook.py
builds the notebook around these cells). Contract functions only; inputs are seeded noise."""

CELLS = [
    ("markdown", """
## Positional encoding

Step 1 of the lecture's recipe: every position p gets a fixed code PE[p], added to its token
vector. Left: PE for 64 positions and d = 32, one row per position. Column pair (2i, 2i+1) is a
sine and a cosine of the same frequency 1 / 10000^(2i/d), so the stripes get wider from left to
right and neighbouring columns look alike but shifted. Right: PE PE^T, the similarity of two
positions' codes; it depends only on their distance, so it is constant along every diagonal.
Two blocks (all sines, then all cosines) mean the columns are not interleaved; stripes of the
same width everywhere mean the exponent is off."""),
    ("code", """
import torch

PE = student.sinusoidal_positional_encoding(64, 32)
print("PE", tuple(PE.shape), PE.dtype)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
image = ax1.imshow(PE.numpy(), cmap="RdBu_r", aspect="auto", vmin=-1, vmax=1)
ax1.set(title="PE (L = 64, d = 32)", xlabel="column (2i: sin, 2i+1: cos)", ylabel="position p")
fig.colorbar(image, ax=ax1)
image = ax2.imshow((PE @ PE.T).numpy(), cmap="viridis")
ax2.set(title="PE PE^T: similarity of two positions", xlabel="position", ylabel="position")
fig.colorbar(image, ax=ax2)
plt.show()"""),
    ("markdown", """
## Attention weights

Six tokens with random queries, keys and values (d_k = 8). Each heatmap shows
alpha = softmax(Q K^T / sqrt(d_k)): row i says how much query i attends to each key j, so every
row sums to 1. With `causal_mask(6)` query i sees only keys j <= i: the upper triangle must be
exactly 0 and each row still sums to 1. The third mask blocks the last two keys (as for
padding): their columns must be 0. Non-zero weights above the diagonal, or rows that no longer
sum to 1, mean the mask is applied after the softmax or the wrong way round (True means "may
attend")."""),
    ("code", """
torch.manual_seed(0)
L, d_k = 6, 8
q, k, v = torch.randn(L, d_k), torch.randn(L, d_k), torch.randn(L, d_k)
keys_allowed = torch.tensor([True, True, True, True, False, False]).repeat(L, 1)  # (L, L)
masks = {"no mask": None, "causal_mask(6)": student.causal_mask(L), "last two keys blocked": keys_allowed}
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
for ax, (title, mask) in zip(axes, masks.items()):
    out, weights = student.scaled_dot_product_attention(q, k, v, mask)
    ax.imshow(weights.numpy(), cmap="Blues", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(weights.numpy()):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8)
    ax.set(title=f"{title}\\nrow sums {weights.sum(-1).min():.3f}..{weights.sum(-1).max():.3f}",
           xlabel="key j", ylabel="query i")
plt.show()
print("out", tuple(out.shape), " causal_mask(4):")
print(student.causal_mask(4))"""),
    ("markdown", """
## Why divide by sqrt(d_k)

For random q and k with unit-variance entries, q . k has variance d_k: without the scaling, the
scores grow with d_k and the softmax puts almost all the weight on one key. The plot shows the
average largest weight of a row for growing d_k, with your function, and with q multiplied by
sqrt(d_k) beforehand (which undoes the scaling). Your curve should stay roughly flat, the other one
should climb towards 1. If both climb, the scaling is missing; if yours is flat at 1/16, the
scores are scaled far too much."""),
    ("code", """
torch.manual_seed(1)
sizes = [2, 4, 8, 16, 32, 64, 128, 256, 512]
scaled, unscaled = [], []
for d in sizes:
    q, k = torch.randn(64, 16, d), torch.randn(64, 16, d)  # 64 batches of 16 queries and 16 keys
    v = torch.randn(64, 16, 4)
    scaled.append(student.scaled_dot_product_attention(q, k, v)[1].max(-1).values.mean().item())
    unscaled.append(student.scaled_dot_product_attention(q * d ** 0.5, k, v)[1].max(-1).values.mean().item())
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(sizes, scaled, marker="o", label="softmax(q k^T / sqrt(d_k))  (yours)")
ax.plot(sizes, unscaled, marker="s", label="softmax(q k^T)  (scaling undone)")
ax.axhline(1 / 16, color="gray", ls=":", label="uniform over 16 keys")
ax.set(xscale="log", xlabel="d_k", ylabel="mean of the largest weight per row", ylim=(0, 1.05))
ax.legend()
plt.show()"""),
    ("markdown", """
## Several heads

A causal `MultiHeadSelfAttention(d_model=32, n_heads=4, causal=True)` (random weights, seeded)
on one sequence of 10 random token vectors plus their positional encodings. After the forward pass,
`last_weights` holds one (L, L) map per head: every head must be lower-triangular with rows
summing to 1, and the heads should differ from each other (each has its own columns of Q, K and
V). Identical maps in all heads suggest the heads all read the same columns."""),
    ("code", """
torch.manual_seed(2)
L, d_model, n_heads = 10, 32, 4
mha = student.MultiHeadSelfAttention(d_model, n_heads, causal=True)
x = 3 * torch.randn(1, L, d_model) + student.sinusoidal_positional_encoding(L, d_model)
with torch.no_grad():
    y = mha(x)
weights = mha.last_weights.detach()
print("x", tuple(x.shape), "-> y", tuple(y.shape), " last_weights", tuple(weights.shape))
fig, axes = plt.subplots(1, n_heads, figsize=(3.4 * n_heads, 3.4))
for h, ax in enumerate(axes):
    ax.imshow(weights[0, h].numpy(), cmap="Blues", vmin=0, vmax=1)
    ax.set(title=f"head {h}", xlabel="key j", ylabel="query i" if h == 0 else None)
plt.show()"""),
]
