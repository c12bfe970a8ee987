"""Other stable formulas: sigmoid as (1 + tanh(z/2)) / 2, its derivative as (1 - tanh(z/2)**2) / 4, softmax through a log-sum-exp, cross-entropy that picks the log of the true class.

None of them exponentiates a large positive number. cross_entropy takes, per example, the log of
the probability given to the true label (np.where for 0/1 labels, the one-hot entry for K > 1),
with probabilities clipped at 1e-15, and the network's cost adds the penalty with np.vdot.
"""
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_prime(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=float))
    return 0.25 * (1.0 - t * t)


def tanh_prime(z):
    t = np.tanh(z)
    return (1.0 - t) * (1.0 + t)


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    top = Z.max(axis=0)
    log_norm = top + np.log(np.sum(np.exp(Z - top), axis=0))
    return np.exp(Z - log_norm)


def cross_entropy(Y_hat, Y):
    eps = 1e-15
    if Y.shape[0] == 1:
        p_true = np.where(Y == 1, Y_hat, 1.0 - Y_hat)
    else:
        p_true = np.sum(Y * Y_hat, axis=0)
    return float(-np.mean(np.log(np.clip(p_true, eps, None))))


def cost(params, X, Y, hidden="relu", output="sigmoid", lam=0.0):
    Y_hat, _ = forward(params, X, hidden, output)
    penalty = 0.0
    for key, value in params.items():
        if key.startswith("W"):
            penalty += np.vdot(value, value)
    return cross_entropy(Y_hat, Y) + lam * float(penalty)
