"""count_trainable counts the trainable parameter tensors, not their scalars.

expect: counts parameter tensors
"""
def count_trainable(model):
    return len([p for p in model.parameters() if p.requires_grad])
