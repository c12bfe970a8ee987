"""count_trainable sums the sizes of the state_dict's tensors: buffers in, requires_grad ignored.

expect: every entry of the state_dict
"""
def count_trainable(model):
    return sum(t.numel() for t in model.state_dict().values())
