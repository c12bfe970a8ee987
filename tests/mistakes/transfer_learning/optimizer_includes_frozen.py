"""make_optimizer puts every backbone parameter in the optimizer, frozen ones included.

expect: includes frozen parameters
"""
def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    head = [p for p in model[-1].parameters() if p.requires_grad]
    backbone = list(model[:-1].parameters())
    return torch.optim.SGD([{"params": head, "lr": head_lr}, {"params": backbone, "lr": backbone_lr}],
                           lr=head_lr, momentum=momentum)
