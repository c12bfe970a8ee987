"""The tiny character-level model shipped with the decoding assignment (data/charlm/).

It is rebuilt from the text in the repo by tools/train_charlm.py; these tests prove that the
committed weights are what the script produces, that the loader students get works, and that
the model follows the decoding contract. Graders never use it."""
import importlib.util
import json

import numpy as np
import pytest
import torch
from conftest import REPO

DATA = REPO / "data" / "charlm"


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def charlm():
    return load_file("charlm", DATA / "charlm.py")


def test_the_script_is_deterministic_here_and_the_committed_weights_are_as_good_as_a_fresh_run():
    """Two runs on this machine are bit-identical; the committed weights (made on another machine,
    whose CPU may round differently) are judged by their loss on the corpus, not value by value."""
    train = load_file("train_charlm", REPO / "tools" / "train_charlm.py")
    text = (DATA / "alice.txt").read_text(encoding="utf-8")
    vocab, weights, losses = train.train(text)
    _, again, _ = train.train(text)
    assert set(again) == set(weights) and all(np.array_equal(again[k], weights[k]) for k in weights)
    config = json.loads((DATA / "config.json").read_text())
    assert config["vocab"] == vocab and config["model"] == train.CONFIG["model"]
    assert config["train"] == train.CONFIG["train"]
    with np.load(DATA / "weights.npz", allow_pickle=False) as saved:
        shipped = {k: saved[k] for k in saved.files}
    assert {k: (v.dtype, v.shape) for k, v in shipped.items()} == {k: (v.dtype, v.shape) for k, v in weights.items()}
    fresh = train.corpus_loss(text, vocab, weights)
    assert train.corpus_loss(text, vocab, shipped) <= fresh * (1 + train.LOSS_SLACK)
    assert fresh < 0.5 * losses[0], "training did not learn"


def test_the_shipped_files_are_small_and_self_contained():
    sizes = {p.name: p.stat().st_size for p in DATA.iterdir() if p.is_file()}
    assert {"alice.txt", "charlm.py", "config.json", "weights.npz"} <= set(sizes)
    assert sum(sizes.values()) < 1 << 20
    assert "import dlgrade" not in (DATA / "charlm.py").read_text()


def test_the_model_follows_the_decoding_contract(charlm):
    model, encode, decode = charlm.load()
    ids = encode("Alice was beginning")
    assert decode(ids) == "Alice was beginning" and ids.dtype == torch.int64
    batch = torch.stack([ids, ids.flip(0)])
    with torch.no_grad():
        logits = model(batch)
        changed = batch.clone()
        changed[:, 10:] = 0
        later = model(changed)
    assert logits.shape == (2, ids.numel(), model.vocab_size)
    assert torch.equal(logits[:, :10], later[:, :10]), "logits[:, t] must depend only on input_ids[:, :t+1]"


def test_the_reference_decoders_write_text_with_it(charlm):
    decoding = load_file("decoding_reference", REPO / "solutions" / "decoding" / "decoding.py")
    model, encode, decode = charlm.load()
    prompt = encode("Alice ")
    text = decode(decoding.greedy_decode(model, prompt, 40))
    assert text.startswith("Alice ") and len(text) == 46
    (best, score), *_ = decoding.beam_search(model, prompt, 3, 12)
    assert decode(best).startswith("Alice ") and isinstance(score, float)
    drawn = decoding.sample(model, prompt, 30, k=8, temperature=0.8, generator=torch.Generator().manual_seed(0))
    assert decode(drawn).startswith("Alice ")
    seen = decoding.perplexity(model, encode("Alice was beginning to get very tired of sitting by her sister"))
    assert 1.0 < seen < 0.25 * model.vocab_size  # far better than a uniform guess over V characters
