"""Does no work itself and ships conftest.py, pytest.ini, sitecustomize.py, usercustomize.py, a .pth file, numpy.py and torch.py that would fake a pass.

attack: a shipped conftest.py, pytest.ini, sitecustomize.py, usercustomize.py, *.pth, numpy.py or torch.py
targets: all

The extra files are written by the test (test_shipped_files.py): kept here they would be picked up
by this repository's own pytest run.
"""
import os as _os
import sys as _sys

# Try to make the shipped helpers importable from the module's own folder.
_sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
try:
    import redteam_helper  # noqa: F401  (shipped beside the module: must not be there)
    print("SHIPPED FILE IMPORTED")
except ImportError:
    pass


def _nothing(*args, **kwargs):
    raise NotImplementedError


sigmoid = predict_proba = predict = cross_entropy_loss = cross_entropy_gradient = _nothing
gradient_descent = minibatch_sgd = softmax = softmax_loss = _nothing
