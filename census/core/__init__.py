"""The shared core: configuration, database and models, identity numbers, languages, rendering,
security headers, throttles, cache and error pages.

Every capability package may import from here; nothing here imports a capability (the import
rule in ``pyproject.toml`` checks it). See docs/architecture.md.
"""
