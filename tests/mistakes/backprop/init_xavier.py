"""init_params uses Xavier/Glorot's scale sqrt(2 / (s_{l-1} + s_l)) instead of He's sqrt(2 / s_{l-1}).

expect: Xavier
"""
def init_params(layer_sizes, rng):
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        params[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))
        params[f"b{l}"] = np.zeros((fan_out, 1))
    return params
