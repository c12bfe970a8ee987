"""make_optimizer uses one learning rate (head_lr) for every trainable parameter.

expect: one group with one learning rate
"""
def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    return torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=head_lr, momentum=momentum)
