"""make_optimizer gives the backbone head_lr and the head backbone_lr.

expect: swapped
"""
def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    head = [p for p in model[-1].parameters() if p.requires_grad]
    backbone = [p for p in model[:-1].parameters() if p.requires_grad]
    return torch.optim.SGD([{"params": head, "lr": backbone_lr}, {"params": backbone, "lr": head_lr}],
                           lr=head_lr, momentum=momentum)
