"""Selecting: the optimal portfolio, its input and its explanations."""
