"""Hostile example: floods stdout as fast as it can, forever."""

import sys

line = ("flood " * 170 + "\n").encode()
block = line * 1024
while True:
    sys.stdout.buffer.write(block)
