"""Camera trajectory planners (orbit, walkthrough, lookat, coverage) and their shared machinery.

Planners register themselves in ``simgen.registry.PLANNERS`` when their module is imported; building
one by name imports only that module. ``planning_geometry.PlanningError`` is raised when a scene admits no valid
path for a config (the runner logs and skips the episode).
"""
