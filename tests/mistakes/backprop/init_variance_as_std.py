"""init_params passes the variance 2 / s_{l-1} to rng.normal, whose second argument is the standard deviation.

expect: not the variance
"""
def init_params(layer_sizes, rng):
    params = {}
    for l in range(1, len(layer_sizes)):
        params[f"W{l}"] = rng.normal(0.0, 2.0 / layer_sizes[l - 1], size=(layer_sizes[l], layer_sizes[l - 1]))
        params[f"b{l}"] = np.zeros((layer_sizes[l], 1))
    return params
