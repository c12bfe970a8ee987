"""forward applies the hidden activation to every layer, the output layer included.

expect: output layer uses the hidden activation
"""
def forward(params, X, hidden="relu", output="sigmoid", keep_prob=1.0, rng=None):
    g, _ = activation(hidden)
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = g(Z)
        if l < L and keep_prob < 1.0:
            A, mask = dropout_forward(A, keep_prob, rng)
            cache[f"D{l}"] = mask / keep_prob
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache
