"""Pollen's rules and maths in plain Python: no Django import here (tests/domain checks it)."""
