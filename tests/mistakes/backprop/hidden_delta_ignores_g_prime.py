"""hidden_delta always multiplies by relu_prime(Z), whatever g_prime it is given.

expect: g_prime is ignored
"""
def hidden_delta(delta_next, W_next, Z, g_prime):
    return (W_next.T @ delta_next) * relu_prime(Z)
