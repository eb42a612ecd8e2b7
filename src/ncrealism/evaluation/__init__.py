"""ncrealism.evaluation."""
