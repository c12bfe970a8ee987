"""Driver code run beside the student's backprop.py (never expected values).

A np.random.Generator and a Python function cannot cross the sandbox, so the graders send a
seed or plain arrays and the probes below build the Generator (np.random.default_rng(seed)) or
the function f next to the student's code, call the student's function and send back plain
data. Every check happens in the grader's own process. Probe names start with the function they
drive, so feedback about a failing call names it.
"""
import numpy as np


def init_params_seeded(m, layer_sizes, seed):
    """init_params(layer_sizes, np.random.default_rng(seed))."""
    return m.init_params(list(layer_sizes), np.random.default_rng(seed))


def dropout_forward_seeded(m, A, keep_prob, seed):
    """dropout_forward(A, keep_prob, np.random.default_rng(seed))."""
    return m.dropout_forward(A, keep_prob, np.random.default_rng(seed))


def hidden_delta_with_cos(m, delta_next, W_next, Z):
    """hidden_delta with g_prime = np.cos, the derivative of g = sin (so any g_prime is honoured)."""
    return m.hidden_delta(delta_next, W_next, Z, np.cos)


def numerical_gradient_of_cubic(m, x, C, eps=None):
    """numerical_gradient of f(x) = sum(C * x**3) + sum(sin(x)), an f that reads its argument.

    Returns (grad, x as it is afterwards, how many times f was called)."""
    calls = [0]

    def f(v):
        calls[0] += 1
        return float(np.sum(C * v ** 3) + np.sum(np.sin(v)))

    grad = m.numerical_gradient(f, x) if eps is None else m.numerical_gradient(f, x, eps=eps)
    return grad, x, calls[0]


def numerical_gradient_of_closure(m, x, C, eps):
    """numerical_gradient of an f that ignores its argument and reads x through the closure, as
    `lambda _: cost(params, X, Y)` reads params["W1"]. Returns (grad, x as it is afterwards)."""
    def f(_):
        return float(np.sum(C * x ** 3) + np.sum(np.sin(x)))

    grad = m.numerical_gradient(f, x, eps=eps)
    return grad, x


def numerical_gradient_of_cost(m, params, X, Y, hidden, output, lam):
    """The lecture's gradient check, with the student's own functions only: for every parameter,
    numerical_gradient of `lambda _: cost(params, X, Y, ...)`, and backward from forward's cache.
    Returns (numerical grads, backward's grads)."""
    numeric = {}
    for key in sorted(params):
        numeric["d" + key] = m.numerical_gradient(lambda _: m.cost(params, X, Y, hidden, output, lam), params[key])
    _, cache = m.forward(params, X, hidden, output)
    return numeric, m.backward(params, cache, Y, hidden, lam)


def train_seeded(m, X, Y, layer_sizes, seed, **kwargs):
    """train(..., rng=np.random.default_rng(seed), ...)."""
    return m.train(X, Y, list(layer_sizes), rng=np.random.default_rng(seed), **kwargs)
