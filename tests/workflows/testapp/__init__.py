"""A test-only Django app: a small subject for the engine's gates, and a directory of who holds which role.

The engine's tests (`tests/workflows/`) build gates on `Proposal` and ask `directory.Directory` who may decide, so
they prove the engine generic: nothing in them imports the commissioning domain. Installed by
`config.settings.test` only.
"""
