"""Renderers: scene state + camera → RGB, depth and instance ids, separate from the physics backends."""
from simgen.renderers.base import Renderer

__all__ = ["Renderer"]
