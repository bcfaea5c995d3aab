"""Regression tests for the failure modes that the trust work (issue 6: sanitizers, property
tests, fuzzing, leak and thread stress) found in relufast.  Each test names what found it."""

import os
import subprocess
import sys

import numpy as np
import pytest

import relufast


# found probing parameter conversion for the fuzz harness (tools/fuzz.py): float(10**400)
# raised OverflowError, which escaped the API instead of the ValueError SPEC names
@pytest.mark.parametrize("call", [
    lambda p: relufast.leaky_relu(np.ones(3), p),
    lambda p: relufast.leaky_relu_grad(np.ones(3), np.ones(3), p),
    lambda p: relufast.elu(np.ones(3), p),
    lambda p: relufast.elu_grad(np.ones(3), np.ones(3), p),
    lambda p: relufast.celu(np.ones(3), p),
    lambda p: relufast.celu_grad(np.ones(3), np.ones(3), p),
])
@pytest.mark.parametrize("value", [10**400, -10**400, 2**1024], ids=["1e400", "-1e400", "2**1024"])
def test_python_int_parameter_beyond_float64_is_a_value_error(call, value):
    with pytest.raises(ValueError, match="must be finite"):
        call(value)
