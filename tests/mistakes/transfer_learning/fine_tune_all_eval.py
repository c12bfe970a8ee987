"""fine_tune puts the whole model in eval mode to protect the frozen BatchNorm layers, the trainable ones too.

expect: must be in train mode
"""
def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    freeze_first_n(model, n_frozen)
    optimizer = make_optimizer(model, head_lr, backbone_lr)
    model.eval()
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
