"""ncrealism.perception."""
