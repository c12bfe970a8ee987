"""fgsm forgets to clamp x_adv to [0, 1].

expect: [0, 1]
"""
def fgsm(model, x, y, eps):
    return x + eps * input_gradient(model, x, y).sign()
