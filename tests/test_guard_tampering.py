"""The grader's scan for code that switches off the forbidden-torch-function guard
(sandbox/launcher.guard_tampering), on source text alone."""
import pytest

from dlgrade.sandbox.launcher import guard_tampering

MESSAGE = ("your code switches off the grader's check of forbidden torch functions ({}); functions under "
           "that check earn nothing")


@pytest.mark.parametrize("source, hit", [
    ("import torch\nwith torch._C.DisableTorchFunction():\n    pass\n", "DisableTorchFunction (line 2)"),
    ("from torch._C import DisableTorchFunctionSubclass as off\n", "DisableTorchFunctionSubclass (line 1)"),
    ("import torch\nname = 'Disable' + 'TorchFunction'\n", "DisableTorchFunction (line 2), TorchFunction (line 2)"),
    ("import torch\nname = ''.join(['_pop', '_mode'])\n", "_pop_mode (line 2)"),
    ("x = f'{1}_push_mode'\n", "_push_mode (line 1)"),
    ("from torch.overrides import TorchFunctionMode\n", "TorchFunctionMode (line 1)"),
    ("from torch.utils._python_dispatch import _disable_current_modes\n", "_disable_current_modes (line 1)"),
    ("import torch\ntorch._C._set_torch_function_state(0)\n", "_set_torch_function_state (line 2)"),
    ('getattr(torch._C, "_dis" "abled_torch_function_impl")\n', "_disabled_torch_function_impl (line 1)"),
], ids=["attribute", "import alias", "glued string", "joined string", "f-string", "mode class", "dispatch modes",
        "state", "implicit concatenation"])
def test_tampering_is_named_with_its_line(source, hit):
    assert guard_tampering(source) == MESSAGE.format(hit)


@pytest.mark.parametrize("source", [
    "import torch\n\ndef f(x):\n    return torch.relu(x) @ x.T\n",
    '"""Nothing here uses DisableTorchFunction: a docstring may say so."""\nimport numpy as np\n',
    "def f(:\n",   # a syntax error is the import's to report
    "",
], ids=["honest", "docstring", "syntax error", "empty"])
def test_honest_code_is_left_alone(source):
    assert guard_tampering(source) is None
