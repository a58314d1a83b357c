"""Sphinx extension (stub): the chapters' run times, measured by the build."""


def setup(app):
    return {"parallel_read_safe": True, "parallel_write_safe": True}
