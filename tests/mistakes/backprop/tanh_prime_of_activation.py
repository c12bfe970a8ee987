"""tanh_prime computes 1 - z**2, the formula in terms of the activation, on z itself.

expect: 1 - tanh(z)**2
"""
def tanh_prime(z):
    return 1.0 - z ** 2
