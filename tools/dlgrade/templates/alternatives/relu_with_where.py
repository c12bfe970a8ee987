"""relu written with np.where: a correct answer written another way, which must keep full marks."""
def relu(z):
    return np.where(z > 0, z, 0.0)
