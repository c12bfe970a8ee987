"""cost forgets the L2 penalty: it returns the cross-entropy only.

expect: L2 penalty lam * sum(W**2) is missing
"""
def cost(params, X, Y, hidden="relu", output="sigmoid", lam=0.0):
    Y_hat, _ = forward(params, X, hidden, output)
    return cross_entropy(Y_hat, Y)
