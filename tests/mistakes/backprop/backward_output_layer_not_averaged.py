"""backward divides by m in the hidden layers but forgets it for the output layer (dW[L], db[L] summed over the batch).

The public gradient check must name the output layer as the first wrong one from the top and say
which way it is off (too large), not blame dW1.

expect: layer 3 (the output layer) is the first wrong layer from the output down: dW3 (it is about 7 times too large)
"""
def backward(params, cache, Y, hidden="relu", lam=0.0):
    _, g_prime = activation(hidden)
    L = len(params) // 2
    m = Y.shape[1]
    grads = {}
    delta = output_delta(cache[f"A{L}"], Y)
    for l in range(L, 0, -1):
        scale = 1.0 if l == L else 1.0 / m
        grads[f"dW{l}"] = delta @ cache[f"A{l - 1}"].T * scale + 2.0 * lam * params[f"W{l}"]
        grads[f"db{l}"] = delta.sum(axis=1, keepdims=True) * scale
        if l > 1:
            delta = hidden_delta(delta, params[f"W{l}"], cache[f"Z{l - 1}"], g_prime)
            if f"D{l - 1}" in cache:
                delta = delta * cache[f"D{l - 1}"]
    return grads
