"""Test-wide settings: property tests are derandomized under CI so a green run is reproducible
(locally they keep exploring new examples)."""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
