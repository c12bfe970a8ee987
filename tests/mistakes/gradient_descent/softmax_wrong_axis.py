"""softmax normalised down the columns (axis=0) instead of across each row.

expect: axis=0
"""
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
