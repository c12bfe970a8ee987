"""backward forgets to divide db[1] (the first layer's bias gradient) by m; everything else is right.

The public gradient check must say which parts are right (every layer above, and dW1) and that
db1 is too large.

expect: Right: dW3, db3, dW2, db2, dW1
"""
def backward(params, cache, Y, hidden="relu", lam=0.0):
    _, g_prime = activation(hidden)
    L = len(params) // 2
    m = Y.shape[1]
    grads = {}
    delta = output_delta(cache[f"A{L}"], Y)
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = delta @ cache[f"A{l - 1}"].T / m + 2.0 * lam * params[f"W{l}"]
        grads[f"db{l}"] = delta.sum(axis=1, keepdims=True) / (1 if l == 1 else m)
        if l > 1:
            delta = hidden_delta(delta, params[f"W{l}"], cache[f"Z{l - 1}"], g_prime)
            if f"D{l - 1}" in cache:
                delta = delta * cache[f"D{l - 1}"]
    return grads
