"""dropout_forward zeroes the dropped units but does not divide the kept ones by keep_prob.

expect: does not scale by 1 / keep_prob
"""
def dropout_forward(A, keep_prob, rng):
    mask = rng.random(A.shape) < keep_prob
    return A * mask, mask
