"""Index loops instead of enumerate(children()), manual bookkeeping of ids, the head assigned by its key.

freeze_first_n indexes model[i] and assigns p.requires_grad directly; replace_head sets the last
entry of model._modules by name; count_trainable adds up p.numel() in a loop over named_parameters;
make_optimizer splits the trainable parameters by id() and lists the backbone group first;
extract_features runs the children one by one and restores the model's mode afterwards.
"""
def freeze_first_n(model, n):
    for i in range(len(model)):
        for p in model[i].parameters():
            p.requires_grad = i >= n
    return model


def replace_head(model, num_classes):
    last = list(model._modules)[-1]
    old = model._modules[last]
    model._modules[last] = nn.Linear(old.in_features, num_classes)
    return model


def count_trainable(model):
    total = 0
    for _, p in model.named_parameters():
        if p.requires_grad:
            total += p.numel()
    return int(total)


def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    head_ids = {id(p) for p in model[len(model) - 1].parameters()}
    head, backbone = [], []
    for p in model.parameters():
        if not p.requires_grad:
            continue
        (head if id(p) in head_ids else backbone).append(p)
    return torch.optim.SGD([{"params": backbone, "lr": backbone_lr, "momentum": momentum},
                            {"params": head, "lr": head_lr, "momentum": momentum}], lr=backbone_lr)


def extract_features(model, x):
    was_training = model.training
    modes = [child.training for child in model.children()]
    model.eval()
    try:
        with torch.no_grad():
            a = x
            for i in range(len(model) - 1):
                a = model[i](a)
        return a
    finally:
        model.train(was_training)
        for child, mode in zip(model.children(), modes):
            child.train(mode)
