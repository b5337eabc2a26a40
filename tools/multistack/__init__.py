"""The multistack command-line tools: an offline classifier and the module status."""

__version__ = "0.1.0"
