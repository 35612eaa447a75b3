"""wijkbot: residents tell their municipality what they experience, decide together and hear back."""

__version__ = "0.1.0"
