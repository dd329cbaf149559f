"""The territory: geometry, communes, coverage, siting, opening hours."""
