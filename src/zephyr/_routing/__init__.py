"""The route table: path compilation and matching, kept free of I/O."""

__all__ = ()
