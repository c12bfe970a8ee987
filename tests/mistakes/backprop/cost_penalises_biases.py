"""cost adds lam * sum(p**2) over every entry of params, the biases included.

expect: only the weights W[l] are penalised
"""
def cost(params, X, Y, hidden="relu", output="sigmoid", lam=0.0):
    Y_hat, _ = forward(params, X, hidden, output)
    return cross_entropy(Y_hat, Y) + lam * sum(float(np.sum(p ** 2)) for p in params.values())
