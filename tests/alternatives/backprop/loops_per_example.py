"""Loops: backward accumulates dW and db one example (column) at a time, numerical_gradient walks a flat index, relu_prime is np.heaviside(z, 0).

The lecture's mini-batch aggregation written out: for every column i, dW[l] += delta_i a_i^T and
db[l] += delta_i, then both are divided by m; hidden_delta computes W^T delta column by column;
forward keeps the layers in a list; numerical_gradient perturbs x[np.unravel_index(i, x.shape)]
in place; dropout_forward draws the uniform numbers first and keeps them with np.where.
"""
def relu_prime(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)


def hidden_delta(delta_next, W_next, Z, g_prime):
    back = np.zeros((W_next.shape[1], delta_next.shape[1]))
    for i in range(delta_next.shape[1]):
        back[:, i] = W_next.T @ delta_next[:, i]
    return back * g_prime(Z)


def backward(params, cache, Y, hidden="relu", lam=0.0):
    _, g_prime = activation(hidden)
    L = len(params) // 2
    m = Y.shape[1]
    deltas = {L: output_delta(cache[f"A{L}"], Y)}
    for l in range(L - 1, 0, -1):
        deltas[l] = hidden_delta(deltas[l + 1], params[f"W{l + 1}"], cache[f"Z{l}"], g_prime)
        if f"D{l}" in cache:
            deltas[l] = deltas[l] * cache[f"D{l}"]
    grads = {}
    for l in range(1, L + 1):
        dW = np.zeros_like(params[f"W{l}"])
        db = np.zeros_like(params[f"b{l}"])
        for i in range(m):
            d_i = deltas[l][:, i:i + 1]
            dW += d_i @ cache[f"A{l - 1}"][:, i:i + 1].T
            db += d_i
        grads[f"dW{l}"] = dW / m + 2.0 * lam * params[f"W{l}"]
        grads[f"db{l}"] = db / m
    return grads


def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for flat in range(x.size):
        i = np.unravel_index(flat, x.shape)
        old = float(x[i])
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def dropout_forward(A, keep_prob, rng):
    u = rng.random(A.shape)
    mask = u < keep_prob
    return np.where(mask, A / keep_prob, 0.0), mask


def cross_entropy(Y_hat, Y):
    K, m = Y.shape
    total = 0.0
    for i in range(m):
        p = np.clip(Y_hat[:, i], 1e-12, 1 - 1e-12)
        if K == 1:
            total -= Y[0, i] * np.log(p[0]) + (1 - Y[0, i]) * np.log(1 - p[0])
        else:
            total -= np.sum(Y[:, i] * np.log(p))
    return float(total / m)
