"""ncrealism.app."""
