"""Pollen: a public platform that funds fablabs across a territory."""
