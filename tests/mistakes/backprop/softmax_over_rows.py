"""softmax normalises each row (axis=1), the row convention of the previous assignment.

expect: each column
"""
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
