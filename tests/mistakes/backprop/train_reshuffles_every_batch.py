"""train draws a fresh permutation for every batch instead of one per epoch.

expect: one per epoch
"""
def train(X, Y, layer_sizes, alpha=0.1, n_epochs=200, batch_size=32, rng=None, lam=0.0,
          keep_prob=1.0, hidden="relu", output="sigmoid"):
    rng = np.random.default_rng(0) if rng is None else rng
    params = init_params(layer_sizes, rng)
    losses = [cost(params, X, Y, hidden, output, lam)]
    m = X.shape[1]
    L = len(layer_sizes) - 1
    for _ in range(n_epochs):
        for start in range(0, m, batch_size):
            batch = rng.permutation(m)[start:start + batch_size]
            _, cache = forward(params, X[:, batch], hidden, output, keep_prob=keep_prob, rng=rng)
            grads = backward(params, cache, Y[:, batch], hidden, lam)
            for l in range(1, L + 1):
                params[f"W{l}"] = params[f"W{l}"] - alpha * grads[f"dW{l}"]
                params[f"b{l}"] = params[f"b{l}"] - alpha * grads[f"db{l}"]
        losses.append(cost(params, X, Y, hidden, output, lam))
    return params, losses
