"""A sigmoid that exponentiates only non-positive numbers through np.exp(np.minimum(...)), predict via the sign of z, softmax with division by a log-domain sum.

sigmoid uses e = exp(-|z|) built as exp(min(z, -z)) and picks 1/(1+e) or e/(1+e) by the sign;
predict compares probabilities with >= threshold as booleans cast to np.int64; softmax divides
exp(Z - max) by its row sums with keepdims; cross_entropy_gradient uses h - y times X summed
with np.einsum.
"""
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(np.minimum(z, -z))
    out = np.empty_like(e)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + e[pos])
    out[~pos] = e[~pos] / (1.0 + e[~pos])
    return out


def predict(theta, X, threshold=0.5):
    return np.greater_equal(predict_proba(theta, X), threshold).astype(np.int64)


def cross_entropy_gradient(theta, X, y, lam=0.0):
    r = sigmoid(X @ theta) - y
    return np.einsum("i,ij->j", r, X) / len(y) + 2 * lam * theta


def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    shifted = Z - np.max(Z, axis=-1, keepdims=True)
    E = np.exp(shifted)
    return E / np.sum(E, axis=-1, keepdims=True)
