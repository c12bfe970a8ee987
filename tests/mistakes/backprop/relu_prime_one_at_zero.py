"""relu_prime uses z >= 0, so relu_prime(0) is 1 instead of the contract's 0.

expect: relu_prime(0) = 0
"""
def relu_prime(z):
    return (np.asarray(z) >= 0).astype(float)
