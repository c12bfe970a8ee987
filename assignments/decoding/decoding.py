"""Decoding: turning a language model's next-token distributions into text.

A language model is any callable `model(input_ids)` that takes a LongTensor of token ids of
shape (B, T) and returns logits of shape (B, T, V). The distribution of the next token after a
prefix is softmax(logits[:, -1]). Every model used here is causal (logits[:, t] only depends on
input_ids[:, :t+1]), so one forward pass over a sequence gives the predictions for all of its
prefixes at once.

Notation (lecture: generating text). theta are the model's parameters, z = logits of the last
position, p_theta(x_t | x_<t) = softmax(z)[x_t], and a sequence's log-likelihood is
sum_t log p_theta(x_t | x_<t). A prompt is a 1-D LongTensor; every decoder returns 1-D
LongTensors that start with the prompt.

    greedy:       x_t = argmax_v p_theta(v | x_<t)
    top-k:        keep the k largest logits, renormalise, sample
    top-p:        keep the smallest set of most likely tokens whose probability reaches p
    temperature:  softmax(z / temperature): below 1 sharpens, above 1 flattens
    beam search:  keep the beam_width most likely partial sequences at every step
    perplexity:   exp(-(1 / (T - 1)) sum_{t >= 1} log p_theta(x_t | x_<t))

Use torch. None of these functions trains anything: they run under torch.no_grad().
To watch your decoders write text, try them on the tiny character-level model shipped with the
assignment (charlm.py: `model, encode, decode = load()`); the graders use toy models instead.
"""
import torch


def next_token_logits(model, ids):
    """Logits of the token that follows the 1-D sequence ids (given, not a TODO).

    ids: (T,) LongTensor -> (V,) logits, the last position of model(ids[None]).
    """
    return model(ids.unsqueeze(0))[0, -1]


@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    """Greedy decoding: append argmax_v p(v | tokens so far), max_new_tokens times.

    prompt: (T0,) LongTensor. Stops early right after appending eos_id (which is kept).
    Returns a 1-D LongTensor: the prompt followed by the generated tokens.
    """
    ids = prompt.clone()
    # TODO: loop; take the argmax of next_token_logits, append it, stop after eos_id.
    raise NotImplementedError
    return ids


def top_k_filter(logits, k):
    """Keep the k largest logits of every row; set all the others to -inf.

    logits: (..., V) tensor, filtered along the last axis. k: int >= 1; k >= V keeps every
    entry. Returns a new tensor of the same shape: kept entries are unchanged logits (not
    probabilities), every other entry is float('-inf'). Test inputs have no ties.
    """
    # TODO: find each row's k-th largest value (torch.topk) and mask what lies below it.
    raise NotImplementedError


def top_p_filter(logits, p):
    """Nucleus filter: keep the smallest set of most probable entries whose probabilities
    (softmax over the last axis) sum to at least p; set all the others to -inf.

    logits: (..., V) tensor (it may already hold -inf entries). p in (0, 1].
    The token whose probability makes the running sum reach p is kept, so at least one entry
    always survives. p = 1 keeps every entry, in float32 too (where the running sum of the
    probabilities may round to just above or below 1). Returns a new tensor of the same shape
    and dtype, kept entries unchanged.
    """
    # TODO: sort the probabilities (descending), accumulate, and scatter the mask back.
    raise NotImplementedError


@torch.no_grad()
def sample(model, prompt, max_new_tokens, k=None, p=None, temperature=1.0, eos_id=None, generator=None):
    """Sampling with temperature, top-k and top-p, max_new_tokens times.

    Each step: z = next_token_logits(...) / temperature, then top_k_filter(z, k) if k is
    given, then top_p_filter(z, p) if p is given, then ONE draw
    torch.multinomial(softmax(z), 1, generator=generator). Stops right after appending
    eos_id. temperature > 0. Returns the prompt followed by the sampled tokens (1-D LongTensor).
    """
    ids = prompt.clone()
    # TODO: temperature, then the filters, then one torch.multinomial draw per step.
    raise NotImplementedError
    return ids


@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    """Beam search over summed log-probabilities.

    Beams start as [(prompt, 0.0)]. At each of at most max_new_tokens steps, every live beam is
    extended by every token v (adding log p(v | beam)), and the beam_width best candidates by
    summed log-probability are kept; a kept candidate that ends in eos_id is finished and
    leaves the live set. The search stops early when no beam is live; afterwards the live
    beams count as finished too.

    The score of a finished beam is (sum of the log-probs of its n generated tokens) / n **
    length_penalty (the prompt does not count). Returns at most beam_width (tokens, score)
    pairs, the finished beams with the highest scores, best first: tokens a 1-D LongTensor
    that starts with the prompt, score a Python float. With max_new_tokens = 0 nothing is
    generated: the result is [(prompt, 0.0)]. Ties (equal scores) may come out in either order:
    the graders' models have no ties.
    """
    live = [(prompt.clone(), 0.0)]
    finished = []
    # TODO: extend, keep the beam_width best, move finished beams out; then score and sort.
    raise NotImplementedError


@torch.no_grad()
def perplexity(model, tokens):
    """Perplexity of a 1-D LongTensor of T >= 2 tokens:
    exp(mean over t = 1..T-1 of -log p(tokens[t] | tokens[:t])).

    The first token is only context (nothing predicts it). Returns a Python float (compute the
    log-probabilities in float64: the graders compare to a relative error of 1e-5).
    """
    # TODO: one forward pass; position t of the logits predicts tokens[t + 1].
    raise NotImplementedError
