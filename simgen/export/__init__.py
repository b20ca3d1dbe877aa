"""Exporters: a merged dataset → LLaVA-Video JSON, HF chat JSONL, Parquet, a VSI-Bench-style eval file
and a dataset card; plus the streaming shard merge (``simgen.export.merge``).

``python -m simgen.export <dataset dir> --format llava_video --format parquet`` runs the exporters
named after ``conf/export/<name>.yaml``; each plugin module registers itself in ``EXPORTERS``.
"""
from simgen.registry import Registry

EXPORTERS = Registry(
    "exporter",
    {
        "llava_video": "simgen.export.llava_video",
        "messages": "simgen.export.messages",
        "parquet": "simgen.export.parquet",
        "vsibench": "simgen.export.vsibench",
        "card": "simgen.export.card",
    },
    group="export",
)
