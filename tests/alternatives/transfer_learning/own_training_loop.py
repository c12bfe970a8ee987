"""fine_tune with its own ordering: model.train() then eval() on the frozen children, zero_grad before the forward pass, and inference_mode features.

fine_tune sets the modes after building the optimizer by switching everything to train and then
the frozen children back to eval, zeroes the gradients (set_to_none=False) before each forward
pass and computes the loss with reduction="mean" spelled out; make_optimizer adds the head as a
second group with add_param_group; extract_features uses torch.inference_mode and the slice model[:-1].
"""
def make_optimizer(model, head_lr, backbone_lr, momentum=0.9):
    children = list(model.children())
    backbone = [p for child in children[:-1] for p in child.parameters() if p.requires_grad]
    head = [p for p in children[-1].parameters() if p.requires_grad]
    optimizer = torch.optim.SGD([{"params": backbone}], lr=backbone_lr, momentum=momentum)
    optimizer.add_param_group({"params": head, "lr": head_lr})
    return optimizer


def extract_features(model, x):
    model.eval()
    with torch.inference_mode():
        features = model[:-1](x)
    return features.clone()


def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    if not 0 <= n_frozen < len(model):  # given code: kept as it is
        raise ValueError(f"fine_tune: n_frozen must be in [0, {len(model)}) so that the head trains, got {n_frozen}")
    freeze_first_n(model, n_frozen)
    optimizer = make_optimizer(model, head_lr, backbone_lr)
    model.train()
    for child in list(model.children())[:n_frozen]:
        child.eval()
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad(set_to_none=False)
            logits = model(x)
            loss = F.cross_entropy(logits, y, reduction="mean")
            loss.backward()
            optimizer.step()
    return model
