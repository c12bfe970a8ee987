"""conv2d reaches torch's conv2d with getattr and a built-up name, to dodge a text search.

expect: not allowed
"""
def conv2d(x, w, b=None, stride=1, padding=0):
    fn = getattr(torch.nn.functional, "con" + "v2d")
    bt = None if b is None else torch.tensor(b)
    return fn(torch.tensor(x), torch.tensor(w), bt, stride, padding).numpy()
