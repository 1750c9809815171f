"""The seed's context-manager protocol, shared by the three storage classes.

`with X(...) as s:` yields s and calls s.close() on leaving, whether or not
the block raised; an exception from the block is never swallowed. REQUIRES:
the class defines close().

Thread safety: as the class's close().
"""


class Closing:
    """Mixin: __enter__ returns self, __exit__ closes."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close()
        return False
