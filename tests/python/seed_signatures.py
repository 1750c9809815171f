"""The seed's method signatures as the API reference writes them: compat's
tests compare each class's methods with them, annotations left out."""
import inspect


def bare(signature):
    """`signature` as text without annotations: "(self, pattern_hash, ttl=None)"."""
    return str(signature.replace(parameters=[p.replace(annotation=inspect.Parameter.empty)
                                             for p in signature.parameters.values()],
                                 return_annotation=inspect.Signature.empty))
