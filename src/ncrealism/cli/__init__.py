"""ncrealism.cli."""
