"""Every decoder returns the prompt followed by token 0; filters keep everything; beam search
returns one beam of score 0; perplexity is a constant."""
import torch


def next_token_logits(model, ids):
    return model(ids.unsqueeze(0))[0, -1]


@torch.no_grad()
def greedy_decode(model, prompt, max_new_tokens, eos_id=None):
    return torch.cat([prompt, torch.zeros(max_new_tokens, dtype=torch.long)])


def top_k_filter(logits, k):
    return logits.clone()


def top_p_filter(logits, p):
    return logits.clone()


@torch.no_grad()
def sample(model, prompt, max_new_tokens, k=None, p=None, temperature=1.0, eos_id=None, generator=None):
    return torch.cat([prompt, torch.zeros(max_new_tokens, dtype=torch.long)])


@torch.no_grad()
def beam_search(model, prompt, beam_width, max_new_tokens, eos_id=None, length_penalty=1.0):
    return [(torch.cat([prompt, torch.zeros(max_new_tokens, dtype=torch.long)]), 0.0)]


@torch.no_grad()
def perplexity(model, tokens):
    return 1.0
