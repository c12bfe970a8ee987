"""fine_tune never zeroes the gradients, so they accumulate over the batches.

expect: accumulate
"""
def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    freeze_first_n(model, n_frozen)
    optimizer = make_optimizer(model, head_lr, backbone_lr)
    for i, child in enumerate(model.children()):
        child.train(i >= n_frozen)
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
    return model
