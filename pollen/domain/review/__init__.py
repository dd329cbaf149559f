"""Reviewing: score aggregation and the experts' assignment."""
