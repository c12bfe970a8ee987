"""init_params uses the standard deviation sqrt(1 / s_{l-1}) (LeCun) instead of He's sqrt(2 / s_{l-1}).

expect: variance 2 / s_{l-1}
"""
def init_params(layer_sizes, rng):
    params = {}
    for l in range(1, len(layer_sizes)):
        params[f"W{l}"] = rng.normal(0.0, np.sqrt(1.0 / layer_sizes[l - 1]), size=(layer_sizes[l], layer_sizes[l - 1]))
        params[f"b{l}"] = np.zeros((layer_sizes[l], 1))
    return params
