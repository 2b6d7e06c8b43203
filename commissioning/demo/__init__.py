"""The demonstration data that `manage.py seed_demo` loads: a fictional county, its partners, people in every role
and 17 strategies.

The tables (data only) are apart from the code that builds them:

- `organisations`, `people`, `strategies`: who and what the demo has
- `build`: `Demo`, which creates it all through the services with a clock that can be set back, and the accounts
  table the command prints
- `scenarios`: one per strategy, saying where it has got to
"""
