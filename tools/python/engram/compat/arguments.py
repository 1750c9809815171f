"""The seed's argument values as engram's API takes them.

`array(value)`: any array-like (numpy, a JAX array through __array__, nested
lists, scalars) as a numpy array, not copied when it already is one; numpy's
TypeError / ValueError for what it cannot take.

`json_object(value)`: metadata or parameters as the seed stored them
(json.dumps, numpy scalars and arrays as plain numbers and lists): a new
plain dict; None or {} is {}. TypeError for a value json cannot write.

Thread safety: stateless.
"""
import json

import numpy as np


def array(value):
    """Any array-like as a numpy array, without a copy when it already is one."""
    return np.asarray(value)


def _plain_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError("%r is not JSON serializable" % type(value))


def json_object(value):
    """Metadata or parameters as plain JSON values; None is {}."""
    if not value:
        return {}
    return json.loads(json.dumps(value, default=_plain_default))
