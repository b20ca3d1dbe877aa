"""Evaluation: ``scorer`` (exact match, VSI-Bench Mean Relative Accuracy), ``runner`` (any OpenAI-compatible
vision endpoint), ``breakdown`` (scores by family and by complexity knob, JSON and plots)."""
