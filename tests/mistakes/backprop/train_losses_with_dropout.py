"""train records the full-data losses with dropout switched on (dropout at test time).

expect: losses are computed with dropout
"""
def train(X, Y, layer_sizes, alpha=0.1, n_epochs=200, batch_size=32, rng=None, lam=0.0,
          keep_prob=1.0, hidden="relu", output="sigmoid"):
    rng = np.random.default_rng(0) if rng is None else rng
    params = init_params(layer_sizes, rng)
    L = len(layer_sizes) - 1

    def loss():
        Y_hat, _ = forward(params, X, hidden, output, keep_prob=keep_prob, rng=rng)
        return cross_entropy(Y_hat, Y) + lam * sum(float(np.sum(params[f"W{l}"] ** 2)) for l in range(1, L + 1))

    losses = [loss()]
    m = X.shape[1]
    for _ in range(n_epochs):
        perm = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = perm[start:start + batch_size]
            _, cache = forward(params, X[:, batch], hidden, output, keep_prob=keep_prob, rng=rng)
            grads = backward(params, cache, Y[:, batch], hidden, lam)
            for l in range(1, L + 1):
                params[f"W{l}"] = params[f"W{l}"] - alpha * grads[f"dW{l}"]
                params[f"b{l}"] = params[f"b{l}"] - alpha * grads[f"db{l}"]
        losses.append(loss())
    return params, losses
