"""forward hard-codes ReLU for the hidden layers and never looks at its hidden argument.

expect: the hidden argument is ignored
"""
def forward(params, X, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        if l < L:
            A = relu(Z)
            if keep_prob < 1.0:
                A, mask = dropout_forward(A, keep_prob, rng)
                cache[f"D{l}"] = mask / keep_prob
        else:
            A = sigmoid(Z) if output == "sigmoid" else softmax(Z)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
