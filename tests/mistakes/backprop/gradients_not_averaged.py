"""backward sums the gradients over the mini-batch (the aggregation of the lecture) but never divides by m.

expect: not averaged over the batch
"""
def backward(params, cache, Y, hidden="relu", lam=0.0):
    _, g_prime = activation(hidden)
    L = len(params) // 2
    grads = {}
    delta = output_delta(cache[f"A{L}"], Y)
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = delta @ cache[f"A{l - 1}"].T + 2.0 * lam * params[f"W{l}"]
        grads[f"db{l}"] = delta.sum(axis=1, keepdims=True)
        if l > 1:
            delta = hidden_delta(delta, params[f"W{l}"], cache[f"Z{l - 1}"], g_prime)
            if f"D{l - 1}" in cache:
                delta = delta * cache[f"D{l - 1}"]
    return grads
