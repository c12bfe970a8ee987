"""sigmoid_prime computes a * (1 - a) on its argument, as if it were given the activation, not z.

expect: not the activation
"""
def sigmoid_prime(z):
    return z * (1.0 - z)
