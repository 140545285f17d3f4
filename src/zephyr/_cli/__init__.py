"""The ``zephyr`` command line's commands, one module each; ``zephyr.cli`` assembles them."""

__all__ = ()
