"""forward applies dropout to every layer during training, the output layer included.

expect: applied to the output layer
"""
def forward(params, X, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    g, _ = activation(hidden)
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = g(Z) if l < L else (sigmoid(Z) if output == "sigmoid" else softmax(Z))
        if keep_prob < 1.0:
            A, mask = dropout_forward(A, keep_prob, rng)
            cache[f"D{l}"] = mask / keep_prob
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
