"""robust_accuracy calls attack(model, x, y) without passing on its keyword arguments.

expect: keyword arguments
"""
def robust_accuracy(model, x, y, attack, **kw):
    return accuracy(model, attack(model, x, y), y)
