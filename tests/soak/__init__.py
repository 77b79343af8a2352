"""Whole-stack tests with real processes: the soak (issue 5, fault 7) and the web server
restarted under open pages (fault 4)."""
