"""The jam\x27s rules and maths: balanced groups, dot votes."""
