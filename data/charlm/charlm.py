"""A tiny character-level language model, to watch your decoders write (not used for grading).

It was trained by tools/train_charlm.py on alice.txt (the opening of Lewis Carroll's "Alice's
Adventures in Wonderland", 1865, in the public domain): a few seconds of full-batch Adam on
about 4,700 characters, so expect Carroll-flavoured babble rather than prose.

    from charlm import load
    model, encode, decode = load()
    prompt = encode("Alice was ")
    print(decode(greedy_decode(model, prompt, 200)))
    print(decode(sample(model, prompt, 200, k=10, temperature=0.8,
                        generator=torch.Generator().manual_seed(0))))
    for tokens, score in beam_search(model, prompt, 3, 40):
        print(f"{score:7.3f}  {decode(tokens)!r}")
    print(perplexity(model, encode("Alice was beginning to get very tired")))

The model follows the assignment's contract: model(input_ids) takes a LongTensor (B, T) and
returns logits (B, T, V), and logits[:, t] only depends on input_ids[:, :t+1]. It is an MLP
over the last `context` characters (Bengio et al., 2003): each character is embedded, the
embeddings of the window are concatenated, then z = W2 tanh(W1 a + b1) + b2. Positions before
the start of the text read as a padding symbol. There is no eos token.
"""
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent


class CharMLP(nn.Module):
    """Causal MLP language model over a window of the last `context` tokens."""

    def __init__(self, vocab_size, context=6, embed_dim=16, hidden=96):
        super().__init__()
        self.vocab_size, self.context = vocab_size, context
        self.embed = nn.Embedding(vocab_size + 1, embed_dim)  # index vocab_size pads the start
        self.hidden = nn.Linear(context * embed_dim, hidden)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, input_ids):
        B, T = input_ids.shape
        pad = torch.full((B, self.context - 1), self.vocab_size, dtype=torch.long, device=input_ids.device)
        padded = torch.cat([pad, input_ids.long()], dim=1)            # (B, T + context - 1)
        windows = padded.unfold(1, self.context, 1)                   # (B, T, context): window t ends at t
        a = self.embed(windows).flatten(2)                            # (B, T, context * embed_dim)
        return self.out(torch.tanh(self.hidden(a)))                   # (B, T, V)


def load(folder=None):
    """Return (model, encode, decode): the trained model in eval mode, str -> 1-D LongTensor,
    and 1-D LongTensor (or list of ids) -> str."""
    folder = Path(folder) if folder is not None else HERE
    config = json.loads((folder / "config.json").read_text())
    vocab = config["vocab"]
    model = CharMLP(len(vocab), **config["model"])
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        model.load_state_dict({name: torch.from_numpy(arrays[name]) for name in arrays.files})
    model.eval()
    index = {ch: i for i, ch in enumerate(vocab)}

    def encode(text):
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters the model does not know: {unknown}")
        return torch.tensor([index[ch] for ch in text], dtype=torch.long)

    def decode(ids):
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else ids
        return "".join(vocab[i] for i in ids)

    return model, encode, decode
