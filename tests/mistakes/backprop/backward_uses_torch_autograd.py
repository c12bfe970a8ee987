"""backward lets torch's autograd compute the gradients, importing torch inside the function (torch is not allowed in this assignment).

expect: not allowed
"""
def backward(params, cache, Y, hidden="relu", lam=0.0):
    import torch

    L = len(params) // 2
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(cache["A0"])
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[hidden]
    for l in range(1, L + 1):
        Z = t[f"W{l}"] @ A + t[f"b{l}"]
        A = act(Z) if l < L else (torch.sigmoid(Z) if Y.shape[0] == 1 else torch.softmax(Z, dim=0))
    Yt = torch.tensor(Y)
    loss = -(Yt * torch.log(A) + (1 - Yt) * torch.log(1 - A)).sum() / Y.shape[1] if Y.shape[0] == 1 \
        else -(Yt * torch.log(A)).sum() / Y.shape[1]
    (loss + lam * sum((t[f"W{l}"] ** 2).sum() for l in range(1, L + 1))).backward()
    return {"d" + k: v.grad.numpy() for k, v in t.items()}
