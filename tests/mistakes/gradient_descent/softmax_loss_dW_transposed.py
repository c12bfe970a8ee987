"""softmax_loss returns dW as (K, d): G.T @ X instead of X.T @ G.

expect: transposed
"""
def softmax_loss(W, X, y, lam=0.0):
    N = X.shape[0]
    S = softmax(X @ W)
    loss = -np.mean(np.log(S[np.arange(N), y])) + lam * np.sum(W ** 2)
    G = S.copy()
    G[np.arange(N), y] -= 1.0
    return float(loss), G.T @ X / N + 2.0 * lam * W.T
