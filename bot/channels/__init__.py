"""Chat platforms. Only telegram.py and matrix.py know their platform's library."""
