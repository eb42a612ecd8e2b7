"""ncrealism.scenario."""
