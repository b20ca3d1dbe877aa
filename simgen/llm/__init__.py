"""The LLM compiler: natural-language questions become verified DSL programs (see docs/llm.md).

client.py (OpenAI SDK, any compatible endpoint), grammar.py (typed GBNF of the DSL), prompt.py,
spec.py (questions file), probes.py (probe scenes), judge.py (type-check, run, agree, verify),
compile.py, paraphrase.py, propose.py, store.py (programs/compiled/ + provenance), serve.py
(``simgen-llm-serve``), cli.py (``simgen-compile``). Nothing here is imported by ``import simgen``.
"""
