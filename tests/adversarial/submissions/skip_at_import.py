"""Skips the whole module at import time with pytest.skip(allow_module_level=True), then raises KeyboardInterrupt if that did not stop anything.

attack: os._exit(0), sys.exit, KeyboardInterrupt, pytest.skip / pytest.exit from student code
targets: all
"""
try:
    import pytest as _pytest

    _pytest.skip("nothing to grade", allow_module_level=True)
except ImportError:
    pass
raise KeyboardInterrupt
