"""conv2d calls torch.conv2d (the C binding under F.conv2d) on tensors made with torch.as_tensor.

expect: not allowed
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    bt = None if b is None else torch.as_tensor(b)
    return torch.conv2d(torch.as_tensor(x), torch.as_tensor(w), bt, stride, padding).numpy()
