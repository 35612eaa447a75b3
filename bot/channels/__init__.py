"""Chat platforms. Only telegram.py and the matrix package know their platform's library."""
