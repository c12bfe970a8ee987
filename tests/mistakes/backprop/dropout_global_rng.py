"""dropout_forward draws its mask from np.random.rand instead of the rng it is given.

expect: from the given rng
"""
def dropout_forward(A, keep_prob, rng):
    mask = np.random.rand(*A.shape) < keep_prob
    return A * mask / keep_prob, mask
