"""fgsm_targeted adds the signed gradient of the target's loss, moving away from the target class (toward the wrong class).

expect: away from the target class
"""
def fgsm_targeted(model, x, target, eps):
    return (x + eps * input_gradient(model, x, target).sign()).clamp(0, 1)
