"""ncrealism.decision."""
