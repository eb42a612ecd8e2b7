"""ncrealism.report."""
