"""hidden_delta applies g_prime to the back-propagated error instead of multiplying by g_prime(Z).

expect: g_prime is applied to W_next.T @ delta_next
"""
def hidden_delta(delta_next, W_next, Z, g_prime):
    return g_prime(W_next.T @ delta_next)
