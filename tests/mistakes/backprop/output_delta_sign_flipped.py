"""output_delta returns Y - Y_hat (the negative gradient), so every update climbs the loss.

expect: the sign is flipped
"""
def output_delta(Y_hat, Y):
    return Y - Y_hat
