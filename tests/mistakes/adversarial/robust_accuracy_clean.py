"""robust_accuracy calls the attack but measures the accuracy on the clean x.

expect: clean x
"""
def robust_accuracy(model, x, y, attack, **kw):
    attack(model, x, y, **kw)
    return accuracy(model, x, y)
