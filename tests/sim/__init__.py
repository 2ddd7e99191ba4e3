"""The model-based simulation of issue 12: real processes, a seeded random schedule, a heal and an oracle.

Files: ``world.py`` (server, fault proxy, stations and their driver processes), ``driver.py`` (a station's
long-lived driver process: writes through the store's public API, sync cycles, reader threads), ``cli_batch.py``
(the end-of-schedule ``station-client``/``province-server`` commands in one interpreter), ``model.py`` (the model
of every write and the oracle), ``review_items.py`` (the one adapter for duplicate-person review items),
``sim.py`` (schedules, steps, heal, runs, prefix shrinking), ``test_sim.py`` (the bounded CI seeds).

    python -m tests.sim --seed 1205 --steps 32 [-v] [--prefix K] [--shrink] [--db pg | --db postgresql://...]
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest tests/sim -q -rxX -s     # the CI seeds, both backends
    .venv/bin/python bench/soak.py --rounds 2000 --seed 1 [--db pg] [--length 250] [--shrink-budget 300]

A schedule of 32 steps takes 15-50 s on the 2-core test machine (most of it process starts: server, stations,
the fresh stations' first syncs and the end-of-schedule commands); the CI tests take about 3.5 minutes.
"""
