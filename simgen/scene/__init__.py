"""Scene builders and the asset catalogue.

``procedural`` (procedural rooms from a seed and complexity knobs) and ``from_file`` (SceneSpec
JSON) register themselves in :data:`simgen.registry.SCENE_BUILDERS` when their module is imported;
the registry imports them lazily. See procedural.py (knobs), catalogue.py (categories), room.py
(footprint convention), placement.py / layout.py (placement rules) and freespace.py.
"""
