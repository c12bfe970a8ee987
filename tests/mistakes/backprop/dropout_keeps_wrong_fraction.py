"""dropout_forward keeps a unit when rng.random() > keep_prob, i.e. with probability 1 - keep_prob.

expect: probability 1 - keep_prob
"""
def dropout_forward(A, keep_prob, rng):
    mask = rng.random(A.shape) > keep_prob
    return A * mask / keep_prob, mask
