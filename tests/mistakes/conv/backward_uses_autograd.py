"""conv2d_backward lets torch's autograd compute the gradients instead of writing them.

expect: not allowed
"""
def conv2d_backward(dout, x, w, stride=1, padding=0):
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.zeros(w.shape[0], dtype=xt.dtype, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
    (out * torch.tensor(dout)).sum().backward()
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()
