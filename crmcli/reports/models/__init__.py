"""Pure analytics over plain values and an explicit `today`: no storage, no clock.

Each module takes what the services read (purchase days, revenues) and returns classes and
scores, so every rule can be tested on hand-made data.
"""
