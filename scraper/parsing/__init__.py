"""Pure functions that turn the site's pages into values: no I/O, no project imports."""
