"""Chat platforms. Only the telegram and matrix packages know their platform's library."""
