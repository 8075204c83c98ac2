"""The engine: the loop that asks the core what to do and drives the executor through its seams."""
