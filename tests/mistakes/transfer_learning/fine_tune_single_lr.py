"""fine_tune trains every unfrozen parameter at head_lr with one plain SGD (no make_optimizer).

expect: backbone was trained at head_lr
"""
def fine_tune(model, loader, n_frozen, epochs=1, head_lr=0.01, backbone_lr=0.001):
    freeze_first_n(model, n_frozen)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=head_lr, momentum=0.9)
    for i, child in enumerate(model.children()):
        child.train(i >= n_frozen)
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
