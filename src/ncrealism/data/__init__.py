"""ncrealism.data."""
