"""simgen: verified spatial question–answer data for VLMs from headless 3D simulators."""

__version__ = "0.1.0"
