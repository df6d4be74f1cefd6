"""numeric: the same mathematics on NumPy arrays (never imports derive). Import the topic modules:
``numeric.activations``, ``numeric.init``, ``numeric.linear``, ``numeric.conv``, ``numeric.receptive_field``."""

__version__ = "0.1.0"

__all__: list[str] = []
