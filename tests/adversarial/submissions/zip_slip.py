"""Does no work and arrives as a zip whose other members try to land outside any extraction folder (../ paths, an absolute path, a symlink) or to shadow the module with a deeper, working copy.

attack: a shipped conftest.py, pytest.ini, sitecustomize.py, usercustomize.py, *.pth, numpy.py or torch.py (inside an archive)
targets: all
"""


def _nothing(*args, **kwargs):
    raise NotImplementedError


sigmoid = predict_proba = predict = cross_entropy_loss = cross_entropy_gradient = _nothing
gradient_descent = minibatch_sgd = softmax = softmax_loss = _nothing
