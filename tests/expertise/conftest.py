"""The instruction tests' world: experts' work starts from submitted, complete applications."""

from tests.instruction.conftest import experts, world

__all__ = ["experts", "world"]
