"""ncrealism.system."""
