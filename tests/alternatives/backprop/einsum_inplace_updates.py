"""Vectorised another way: einsum for dW, mean for db, standard_normal times the He scale, in-place parameter updates, the output layer handled after the hidden loop.

init_params draws rng.standard_normal(shape) * sqrt(2 / s_{l-1}) (the same numbers as
rng.normal(0, sqrt(2 / s_{l-1}), shape)); forward runs the hidden layers in a loop and the output
layer after it; backward writes dW[l] with np.einsum and db[l] as delta.mean(axis=1); train
updates the arrays in place (W -= alpha * dW) and slices its batches with np.array_split on
the boundaries B, 2B, ...
"""
def init_params(layer_sizes, rng):
    params = {}
    for l, (s_prev, s) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params["W" + str(l)] = rng.standard_normal((s, s_prev)) * np.sqrt(2.0 / s_prev)
        params["b" + str(l)] = np.zeros((s, 1))
    return params


def forward(params, X, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    if keep_prob < 1.0 and rng is None:  # given code: kept as it is
        raise ValueError("forward: keep_prob < 1 needs an rng (a np.random.Generator) for the dropout masks")
    g, _ = activation(hidden)
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = np.dot(params[f"W{l}"], A) + params[f"b{l}"]
        A = g(Z)
        if keep_prob < 1.0:
            A, mask = dropout_forward(A, keep_prob, rng)
            cache[f"D{l}"] = mask.astype(float) / keep_prob
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    Z = np.dot(params[f"W{L}"], A) + params[f"b{L}"]
    A = softmax(Z) if output == "softmax" else sigmoid(Z)
    cache[f"Z{L}"], cache[f"A{L}"] = Z, A
    return A, cache


def backward(params, cache, Y, hidden="relu", lam=0.0):
    _, g_prime = activation(hidden)
    L = len(params) // 2
    m = Y.shape[1]
    grads = {}
    delta = cache[f"A{L}"] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = np.einsum("ki,ji->kj", delta, cache[f"A{l - 1}"]) / m + 2.0 * lam * params[f"W{l}"]
        grads[f"db{l}"] = delta.mean(axis=1, keepdims=True)
        if l > 1:
            delta = (params[f"W{l}"].T @ delta) * g_prime(cache[f"Z{l - 1}"]) * cache.get(f"D{l - 1}", 1.0)
    return grads


def train(X, Y, layer_sizes, alpha=0.1, n_epochs=200, batch_size=32, rng=None, lam=0.0,
          keep_prob=1.0, hidden="relu", output="sigmoid"):
    if rng is None:
        rng = np.random.default_rng(0)
    params = init_params(layer_sizes, rng)
    losses = [cost(params, X, Y, hidden, output, lam)]
    m = X.shape[1]
    for epoch in range(n_epochs):
        perm = rng.permutation(m)
        for batch in np.array_split(perm, np.arange(batch_size, m, batch_size)):
            _, cache = forward(params, X[:, batch], hidden, output, keep_prob, rng)
            grads = backward(params, cache, Y[:, batch], hidden, lam)
            for key in params:
                params[key] -= alpha * grads["d" + key]
        losses.append(cost(params, X, Y, hidden, output, lam))
    return params, losses
