"""backward ignores the dropout factors in the cache: dropped units still pass gradient back.

expect: not applied to delta in backward
"""
def backward(params, cache, Y, hidden="relu", lam=0.0):
    _, g_prime = activation(hidden)
    L = len(params) // 2
    m = Y.shape[1]
    grads = {}
    delta = output_delta(cache[f"A{L}"], Y)
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = delta @ cache[f"A{l - 1}"].T / m + 2.0 * lam * params[f"W{l}"]
        grads[f"db{l}"] = delta.sum(axis=1, keepdims=True) / m
        if l > 1:
            delta = hidden_delta(delta, params[f"W{l}"], cache[f"Z{l - 1}"], g_prime)
    return grads
