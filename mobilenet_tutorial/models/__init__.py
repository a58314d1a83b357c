"""The networks the course builds, one module per family."""
