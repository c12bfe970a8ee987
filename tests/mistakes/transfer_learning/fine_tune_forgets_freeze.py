"""fine_tune sets the frozen children to eval mode but never calls freeze_first_n, so their weights train.

expect: changed the frozen parameter
"""
def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    optimizer = make_optimizer(model, head_lr, backbone_lr)
    for i, child in enumerate(model.children()):
        child.train(i >= n_frozen)
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
