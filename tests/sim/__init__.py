"""The model-based simulation of issue 12: real processes, a seeded random schedule, a heal and an oracle.

Files: ``world.py`` (server, fault proxy, stations and their driver processes), ``driver.py`` (a station's
long-lived driver process), ``model.py`` (the model of every write and the oracle), ``review_items.py`` (the one
adapter for duplicate-person review items), ``sim.py`` (schedules, steps, heal, runs, prefix shrinking),
``test_sim.py`` (the bounded CI seeds). ``python -m tests.sim --seed S`` runs one seed; ``bench/soak.py`` long ones.
"""
