"""The student notebook of decoding: the bundled character-level model (charlm.py, shipped beside
decoding.py) writes with greedy decoding, top-k and top-p sampling and beam search side by side;
next-token probabilities before and after top_k_filter / top_p_filter; perplexities of real,
shuffled and generated text (tools/dlgrade/release/notebook.py builds the notebook around these
cells). Contract functions only."""

CELLS = [
    ("markdown", """
## A tiny language model

`charlm.py` (in this folder) loads a small character-level model trained on the opening of
"Alice's Adventures in Wonderland" (`alice.txt`). It follows the contract of your decoders:
`model(input_ids)` takes a LongTensor (B, T) and returns logits (B, T, V), one token per
character. Expect Carroll-flavoured babble, not prose: the model is tiny."""),
    ("code", """
import torch
from charlm import load

model, encode, decode = load()
prompt = encode("Alice was ")
V = model(prompt[None]).shape[-1]
print("vocabulary size V =", V, " prompt", prompt.tolist())"""),
    ("markdown", """
## Four decoders, one prompt

Greedy decoding takes the argmax at every step: deterministic and repetitive. Sampling draws from
softmax(z / temperature), with top-k keeping the k most likely characters and top-p the smallest
set whose probability reaches p; every run with the same seeded generator writes the same text.
Beam search keeps the beam_width most likely partial sequences and returns them best first with
their scores (mean log-probability per generated character, the higher the better). All outputs
must start with the prompt. Greedy and beam search should read most like the book; plain
sampling the least."""),
    ("code", """
n_new = 120
outputs = {
    "greedy": student.greedy_decode(model, prompt, n_new),
    "top-k (k=8, T=0.8)": student.sample(model, prompt, n_new, k=8, temperature=0.8,
                                         generator=torch.Generator().manual_seed(0)),
    "top-p (p=0.9)": student.sample(model, prompt, n_new, p=0.9, generator=torch.Generator().manual_seed(0)),
    "plain sampling (T=1)": student.sample(model, prompt, n_new, generator=torch.Generator().manual_seed(0)),
}
for name, tokens in outputs.items():
    print(f"--- {name}\\n{decode(tokens)!r}\\n")
beams = student.beam_search(model, prompt, 4, 40)
print("--- beam search (beam_width=4, 40 new characters)")
for tokens, score in beams:
    print(f"{score:8.4f}  {decode(tokens)!r}")
outputs["beam search (best)"] = beams[0][0]"""),
    ("markdown", """
## Filtering the next-token distribution

The distribution of the character after "the ", its 20 most likely characters sorted. Left:
softmax(z) and its running sum. Middle: softmax(top_k_filter(z, 3)): exactly the 3 tallest bars
of the left panel, renormalised (taller, same order). Right: softmax(top_p_filter(z, 0.7)): the
tallest bars up to and including the one whose running sum reaches 0.7 (the dotted line), here
5 of them. One bar fewer on the right means the token that crosses p was dropped; bars that are
not the tallest ones mean the filter masks the wrong entries."""),
    ("code", """
z = model(encode("the ")[None])[0, -1].detach()
order = torch.argsort(z, descending=True)[:20]
labels = [repr(decode([int(i)]))[1:-1].replace(" ", "space") for i in order]
panels = {"softmax(z)": z, "top_k_filter(z, 3)": student.top_k_filter(z, 3),
          "top_p_filter(z, 0.7)": student.top_p_filter(z, 0.7)}
fig, axes = plt.subplots(1, 3, figsize=(15, 4), sharey=True)
for ax, (title, logits) in zip(axes, panels.items()):
    probs = torch.softmax(logits, dim=-1)[order].numpy()
    ax.bar(range(20), probs, color="#2a9d8f")
    ax.set_xticks(range(20), labels, fontsize=8)
    kept = int(torch.isfinite(logits).sum())
    ax.set(title=f"{title}: {kept} of {V} kept", xlabel="next character")
axes[0].plot(range(20), torch.softmax(z, dim=-1)[order].cumsum(0).numpy(), color="black", marker=".",
             label="running sum")
axes[0].axhline(0.7, color="gray", ls=":", label="p = 0.7")
axes[0].legend()
axes[0].set(ylabel="probability", ylim=(0, 1.02))
plt.show()"""),
    ("markdown", """
## Perplexity

exp of the mean negative log-likelihood per character. About 2 for text the model knows (its
own training text, greedy and beam output), a little more for sampled text, and far beyond V for
the same characters shuffled or for random characters (the dotted line: a model that guesses
uniformly scores exactly V on anything). If alice.txt does not score far better than its
shuffled characters, or a value is below 1, the logits are compared with the wrong tokens
(position t of the logits predicts token t + 1)."""),
    ("code", """
book = open("alice.txt", encoding="utf-8").read()[:300]
generator = torch.Generator().manual_seed(0)
book_tokens = encode(book)
texts = {"alice.txt (300 chars)": book_tokens,
         "the same, shuffled": book_tokens[torch.randperm(len(book_tokens), generator=generator)],
         "random characters": torch.randint(0, V, (300,), generator=generator)}
texts.update(outputs)
values = {name: student.perplexity(model, tokens) for name, tokens in texts.items()}
fig, ax = plt.subplots(figsize=(10, 4))
ax.barh(list(values)[::-1], list(values.values())[::-1], color="#e9c46a")
ax.axvline(V, color="gray", ls=":", label=f"uniform guess (V = {V})")
ax.set(xscale="log", xlabel="perplexity (log scale)")
ax.legend()
plt.tight_layout()
plt.show()
for name, value in values.items():
    print(f"{value:9.2f}  {name}")"""),
]
