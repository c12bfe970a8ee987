"""fine_tune calls model.train() on the whole model, so the frozen BatchNorm layers update their running statistics.

expect: running statistics
"""
def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    freeze_first_n(model, n_frozen)
    optimizer = make_optimizer(model, head_lr, backbone_lr)
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
