"""ncrealism."""
