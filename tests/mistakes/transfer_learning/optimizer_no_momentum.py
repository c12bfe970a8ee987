"""make_optimizer forgets to pass momentum to SGD (plain SGD).

expect: no momentum
"""
def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    head = [p for p in model[-1].parameters() if p.requires_grad]
    backbone = [p for p in model[:-1].parameters() if p.requires_grad]
    return torch.optim.SGD([{"params": head, "lr": head_lr}, {"params": backbone, "lr": backbone_lr}], lr=head_lr)
