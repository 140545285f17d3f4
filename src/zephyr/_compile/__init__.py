"""The route compiler: endpoint signatures are analysed once into a plan, and the plan runs per request."""

__all__ = ()
