"""The seed's exception classes, and the decorator that raises them.

RedisConnectionError, SQLiteStorageError and HDF5StorageError are the
seed's classes (plain Exception subclasses). `raises(error_class)` wraps a
method so that any of FAILURES leaving it (engram's errors, and the
TypeError / ValueError / OverflowError of an argument the binding, numpy or
json cannot take) is re-raised as `error_class`, its message prefixed with
the method's name and chained (`__cause__`) from the original. Anything else
(KeyboardInterrupt, a bug's AttributeError) passes through unchanged.

Thread safety: stateless.
"""
import functools

import engram

# What a failed call raises below compat: engram's errors, and the argument
# errors of the binding and of numpy / json on a value they cannot take.
FAILURES = (engram.StorageError, TypeError, ValueError, OverflowError)


class RedisConnectionError(Exception):
    """Raised when Redis connection fails (and by every failed RedisStorage call)."""


class SQLiteStorageError(Exception):
    """Raised when SQLite storage operations fail."""


class HDF5StorageError(Exception):
    """Raised when HDF5 storage operations fail."""


def raises(error_class):
    """Re-raises a failure of the wrapped method as `error_class`, chained."""
    def wrap(method):
        @functools.wraps(method)
        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except FAILURES as error:
                raise error_class("%s: %s" % (method.__name__, error)) from error
        return call
    return wrap
