"""ncrealism.negotiation."""
